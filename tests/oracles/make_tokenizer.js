// Writes a small byte-level BPE tokenizer.json for one pre-tokenizer style, with merges learnt by
// a tiny BPE trainer from a seeded multilingual corpus, so that the tokenizer tests have tokenizers
// this project did not take from anywhere (the lead's fixtures are the second, independent set).
//   node make_tokenizer.js STYLE OUT_JSON [MERGES]
//   STYLE: gpt2 | gpt2-prefix | llama3 | qwen2 | smollm | splits
'use strict';
const fs = require('fs');

const LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const byteLevel = (prefix, regex) => ({ type: 'ByteLevel', add_prefix_space: prefix, trim_offsets: true, use_regex: regex });
const split = (pattern, behavior, invert = false) => ({ type: 'Split', pattern, behavior, invert });

// Each style: the family's real normalizer / pre-tokenizer / post-processor, its special tokens.
const STYLES = {
  gpt2: { pre: byteLevel(false, true), specials: ['<|endoftext|>'], stringMerges: true },
  'gpt2-prefix': { pre: byteLevel(true, true), specials: ['<s>', '</s>'], extra: true },
  llama3: {
    pre: { type: 'Sequence', pretokenizers: [split({ Regex: LLAMA3 }, 'Isolated'), byteLevel(false, false)] },
    specials: ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
    ignoreMerges: true, bos: '<|begin_of_text|>',
  },
  qwen2: {
    normalizer: { type: 'NFC' },
    pre: { type: 'Sequence', pretokenizers: [split({ Regex: QWEN2 }, 'Isolated'), byteLevel(false, false)] },
    specials: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
  },
  smollm: {
    pre: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel(false, true)] },
    specials: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
  },
  splits: {
    pre: { type: 'Sequence', pretokenizers: [
      split({ String: '--' }, 'Removed'), split({ Regex: '\\s+' }, 'MergedWithPrevious'),
      split({ Regex: '[.,!?]' }, 'MergedWithNext'), split({ Regex: '\\p{N}' }, 'Contiguous'),
      split({ Regex: '\\p{Han}+' }, 'Isolated', true), byteLevel(false, false)] },
    specials: ['<|endoftext|>'],
  },
};

// mulberry32: a seeded generator, so the corpus and the merges are the same on every machine.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['the', 'owl', 'cat', 'numbers', "it's", "they're", "WE'LL", 'hello', 'world', '123',
  '4567', '  ', '\n', '\t', 'naïve', 'café', '北京', '猫头鹰', '東京', 'こんにちは', '안녕', 'مرحبا', 'القط',
  'привет', 'Ελλάδα', '🦉', '😀👍', 'e\u0301', '—', '...', '!?', '(1, 2, 3)', '-->', '\r\n'];

function corpus(seed) {
  const r = rng(seed);
  const parts = [];
  for (let i = 0; i < 4000; ++i) {
    parts.push(WORDS[Math.floor(r() * WORDS.length)]);
    parts.push(r() < 0.7 ? ' ' : '');
  }
  return parts.join('');
}

// GPT-2's byte -> printable code point table.
function byteAlphabet() {
  const table = [];
  let next = 256;
  for (let b = 0; b < 256; ++b) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
    table.push(String.fromCodePoint(printable ? b : next++));
  }
  return table;
}

function train(text, merges) {
  const alphabet = byteAlphabet();
  // Words split roughly as GPT-2 does (JS lacks (?i:...)); good enough to learn useful merges.
  const counts = new Map();
  for (const w of text.match(/'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu) || []) {
    const symbols = Array.from(Buffer.from(w, 'utf8'), (b) => alphabet[b]);
    const key = symbols.join('\u0000');
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  let words = Array.from(counts, ([k, n]) => ({ s: k.split('\u0000'), n }));
  const vocab = [...alphabet];
  const seen = new Set(vocab);
  const learnt = [];
  while (learnt.length < merges) {
    const pairs = new Map();
    for (const w of words)
      for (let i = 0; i + 1 < w.s.length; ++i) {
        const k = w.s[i] + '\u0000' + w.s[i + 1];
        pairs.set(k, (pairs.get(k) || 0) + w.n);
      }
    let best = null;
    for (const [k, n] of pairs)
      if (!best || n > best[1] || (n === best[1] && k < best[0])) best = [k, n];
    if (!best) break;
    const [a, b] = best[0].split('\u0000');
    learnt.push([a, b]);
    if (!seen.has(a + b)) { seen.add(a + b); vocab.push(a + b); }
    for (const w of words) {
      const out = [];
      for (let i = 0; i < w.s.length; ++i) {
        if (i + 1 < w.s.length && w.s[i] === a && w.s[i + 1] === b) { out.push(a + b); ++i; } else out.push(w.s[i]);
      }
      w.s = out;
    }
  }
  return { vocab, merges: learnt };
}

function build(styleName, mergeCount) {
  const style = STYLES[styleName];
  if (!style) throw new Error('unknown style ' + styleName + '; one of ' + Object.keys(STYLES).join(', '));
  const { vocab, merges } = train(corpus(7), mergeCount);
  // Whole words no merge makes: one token only where ignore_merges holds (Llama-3), BPE pieces
  // elsewhere.
  for (const w of ['owlcat', '\u0120owlcat', '\u0120\u0120\u0120']) if (!vocab.includes(w)) vocab.push(w);
  const vocabObject = {};
  vocab.forEach((t, i) => { vocabObject[t] = i; });
  const addedToken = (content, id, special, more = {}) => ({ id, content, single_word: false, lstrip: false,
    rstrip: false, normalized: false, special, ...more });
  const added = style.specials.map((s, i) => addedToken(s, vocab.length + i, true));
  if (style.extra) {  // RoBERTa-like: <mask> swallows the space before it; a word-only token
    added.push(addedToken('<mask>', vocab.length + added.length, true, { lstrip: true }));
    added.push(addedToken('owlet', vocab.length + added.length, false, { single_word: true, rstrip: true }));
  }
  const post = style.bos ? {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: style.bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: style.bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: style.bos, type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { [style.bos]: { id: style.bos, ids: [vocab.length], tokens: [style.bos] } },
  } : byteLevel(true, true);
  return {
    version: '1.0', truncation: null, padding: null, added_tokens: added,
    normalizer: style.normalizer || null, pre_tokenizer: style.pre, post_processor: post,
    decoder: byteLevel(true, true),
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: false, byte_fallback: false,
      ignore_merges: !!style.ignoreMerges, vocab: vocabObject,
      merges: style.stringMerges ? merges.map(([a, b]) => a + ' ' + b) : merges },
  };
}

const [styleName, out, count] = process.argv.slice(2);
try {
  fs.writeFileSync(out, JSON.stringify(build(styleName, Number(count || 300))));
} catch (e) {
  console.error('make_tokenizer.js: ' + e.message);
  process.exit(1);
}
