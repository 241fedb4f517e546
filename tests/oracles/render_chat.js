// Oracle for tests/engine/test_hf_chat_template: renders a checkpoint's own Jinja chat template
// with @huggingface/jinja (the Jinja implementation transformers.js uses), as transformers'
// apply_chat_template calls it (messages, add_generation_prompt, bos_token, eos_token, extra kwargs).
//   node render_chat.js IN_JSON OUT_JSON
//     IN_JSON: {template, bos_token, eos_token, cases: [{messages, add_generation_prompt, kwargs}]}
//     OUT_JSON: ["rendered text", ...]
'use strict';
const fs = require('fs');
let Template;
try {
  ({ Template } = require('@huggingface/jinja'));
} catch (e) {
  console.error('render_chat.js: @huggingface/jinja is not installed; run tests/oracles/install.sh');
  process.exit(2);
}

try {
  const [inPath, outPath] = process.argv.slice(2);
  const input = JSON.parse(fs.readFileSync(inPath, 'utf8'));
  const template = new Template(input.template);
  const out = input.cases.map((c) => template.render({
    messages: c.messages,
    add_generation_prompt: c.add_generation_prompt,
    bos_token: input.bos_token,
    eos_token: input.eos_token,
    ...(c.kwargs || {}),
  }));
  fs.writeFileSync(outPath, JSON.stringify(out));
} catch (e) {
  console.error('render_chat.js: ' + e);
  process.exit(1);
}
