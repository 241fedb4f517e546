// Oracle for tests/engine/test_hf_tokenizer: encodes and decodes with the real Hugging Face
// `tokenizers` library (Rust, the npm build @anush008/tokenizers).
//   node hf_tokenize.js TOKENIZER_JSON TEXTS_JSON OUT_JSON
//     TEXTS_JSON: ["text", ...]; OUT_JSON: [{ids, ids_plain, decoded, decoded_skip}, ...]
//   node hf_tokenize.js --bench TOKENIZER_JSON TEXT_FILE   prints the encode throughput in MB/s
'use strict';
const fs = require('fs');
let Tokenizer;
try {
  ({ Tokenizer } = require('@anush008/tokenizers'));
} catch (e) {
  console.error('hf_tokenize.js: @anush008/tokenizers is not installed; run tests/oracles/install.sh');
  process.exit(2);
}

async function oracle(tokenizerPath, textsPath, outPath) {
  const tokenizer = Tokenizer.fromFile(tokenizerPath);
  const texts = JSON.parse(fs.readFileSync(textsPath, 'utf8'));
  const out = [];
  for (const text of texts) {
    const ids = Array.from((await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds());
    const plain = Array.from((await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds());
    out.push({
      ids,
      ids_plain: plain,
      decoded: await tokenizer.decode(plain, false),
      decoded_skip: await tokenizer.decode(ids, true),
    });
  }
  fs.writeFileSync(outPath, JSON.stringify(out));
}

async function bench(tokenizerPath, textPath) {
  const tokenizer = Tokenizer.fromFile(tokenizerPath);
  const text = fs.readFileSync(textPath, 'utf8');
  await tokenizer.encode(text.slice(0, 1000), null, { addSpecialTokens: false });
  const start = process.hrtime.bigint();
  const ids = (await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const mb = Buffer.byteLength(text, 'utf8') / 1e6;
  console.log(JSON.stringify({ tokens: ids.length, seconds, mb_per_s: mb / seconds }));
}

const args = process.argv.slice(2);
(args[0] === '--bench' ? bench(args[1], args[2]) : oracle(args[0], args[1], args[2])).catch((e) => {
  console.error('hf_tokenize.js: ' + e);
  process.exit(1);
});
