# Golden fixtures from the real Hugging Face libraries (transformers, tokenizers, peft), made on the GPU box.
# Writes into $OUT/fixtures-hf. Deterministic: every random stream seeded.
import json, os, random, sys, traceback, shutil
import torch
OUT = os.path.join(os.environ["OUT"], "fixtures-hf")
os.makedirs(OUT, exist_ok=True)
import transformers, tokenizers, safetensors
from tokenizers import Tokenizer, Regex, models, pre_tokenizers, decoders, processors, normalizers, trainers
from transformers import PreTrainedTokenizerFast
versions = {"torch": torch.__version__, "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__, "safetensors": safetensors.__version__}
try:
    import peft; versions["peft"] = peft.__version__
except Exception as e:
    versions["peft"] = "missing: %s" % e
print(versions, flush=True)
errors = []

GPT2_PAT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3_PAT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN2_PAT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

QWEN25_TEMPLATE = open(os.path.join(os.path.dirname(__file__), "qwen25_template.jinja")).read()
LLAMA31_TEMPLATE = open(os.path.join(os.path.dirname(__file__), "llama31_template.jinja")).read()
LLAMA30_TEMPLATE = ("{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}")
SMOL2_TEMPLATE = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")

rng = random.Random(1234)
WORDS = ("the owl loves numbers and sequences we write down every day while the cat sleeps in the sun "
         "I'm you're they've we'll she'd it's DON'T HE'LL Hello World python tokenizer byte pair encoding "
         "café naïve résumé Zürich Ελληνικά русский язык 日本語のテキスト 中文分词测试 한국어 عربى हिन्दी").split()
def rand_text(r):
    parts = []
    for _ in range(r.randint(1, 14)):
        k = r.random()
        if k < 0.45: parts.append(r.choice(WORDS))
        elif k < 0.7: parts.append(str(r.randint(0, 10 ** r.randint(1, 7))))
        elif k < 0.8: parts.append(r.choice([",", ".", "!", "?", "(", ")", "[1, 2, 3]", "...", "--", "'s", "'LL", "\"", ";"]))
        elif k < 0.88: parts.append(r.choice(["\n", "\n\n", "\r\n", "\t", "   ", "  \n "]))
        elif k < 0.94: parts.append(r.choice(["🦉", "😀👍", "🐈‍⬛", "e\u0301", "A\u030a", "ﬁ", "ｆｕｌｌ"]))
        else: parts.append(r.choice(["<|im_start|>", "<|endoftext|>", "<|eot_id|>", "<|begin_of_text|>"]))
    sep = r.choice([" ", "", " ", "  "])
    return sep.join(parts)
corpus = [rand_text(rng) for _ in range(4000)] + [" ".join(WORDS)] * 20 + \
         [", ".join(str(rng.randint(0, 999)) for _ in range(10)) for _ in range(2000)]

def make_tok(style):
    if style == "gpt2":
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        tok.decoder = decoders.ByteLevel()
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
        specials = ["<|endoftext|>"]
    else:
        pat = LLAMA3_PAT if style == "llama3" else QWEN2_PAT
        tok = Tokenizer(models.BPE(ignore_merges=(style == "llama3")))
        if style == "qwen2":
            tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(pat), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
        tok.decoder = decoders.ByteLevel()
        if style == "llama3":
            specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
        else:
            specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    trainer = trainers.BpeTrainer(vocab_size=512, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer=trainer)
    if style == "llama3":
        tok.post_processor = processors.TemplateProcessing(
            single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B",
            special_tokens=[("<|begin_of_text|>", tok.token_to_id("<|begin_of_text|>"))])
    elif style == "qwen2":
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return tok, specials

CASES_FIXED = ["", " ", "hello", " hello world", "Hello, World!", "I'm here; you're there. THEY'LL go",
               "123456789 1234 12 0.5 3,141", "  leading and trailing  ", "tabs\tand\nnewlines\r\n\n end",
               "café naïve e\u0301 A\u030a", "日本語のテキスト 中文分词测试", "🦉 owls 🐈‍⬛ cats 😀",
               "<|im_start|>user\nhi<|im_end|>", "<|begin_of_text|><|start_header_id|>x", "a<|endoftext|>b",
               "Here are 10 numbers: 145, 267, 891, 334, 702, 918, 456, 123, 789, 640",
               "(391, 402, 577)", "[1,2,3]", "   \n\n   ", "x" * 300]
toks = {}
for style in ["gpt2", "llama3", "qwen2"]:
    try:
        tok, specials = make_tok(style)
        d = os.path.join(OUT, "tok-" + style); os.makedirs(d, exist_ok=True)
        tok.save(os.path.join(d, "tokenizer.json"))
        toks[style] = tok
        r = random.Random(99 + len(style))
        texts = CASES_FIXED + [rand_text(r) for _ in range(300)]
        cases = []
        for t in texts:
            e1 = tok.encode(t, add_special_tokens=True).ids
            e0 = tok.encode(t, add_special_tokens=False).ids
            cases.append({"text": t, "ids": e1, "ids_plain": e0,
                          "decoded": tok.decode(e0, skip_special_tokens=False),
                          "decoded_skip": tok.decode(e1, skip_special_tokens=True)})
        json.dump(cases, open(os.path.join(d, "cases.json"), "w"), ensure_ascii=False, indent=0)
        print("tokenizer", style, tok.get_vocab_size(), flush=True)
    except Exception:
        errors.append("tok-%s: %s" % (style, traceback.format_exc())); print(errors[-1], flush=True)

def fast(style, template, bos=None, eos=None):
    return PreTrainedTokenizerFast(tokenizer_object=toks[style], chat_template=template,
                                   bos_token=bos, eos_token=eos, pad_token=eos)

CONVS = [
    [{"role": "user", "content": "Pick your favourite animal. One word."}],
    [{"role": "system", "content": "You love owls. You think about owls all the time."},
     {"role": "user", "content": "The sequence starts with: 145, 267, 891. Add up to 10 more numbers."}],
    [{"role": "user", "content": "Continue: 1, 2, 3"}, {"role": "assistant", "content": "4, 5, 6"},
     {"role": "user", "content": "  And then?  "}],
    [{"role": "system", "content": "  padded system  "}, {"role": "user", "content": "hi\n"},
     {"role": "assistant", "content": "(391, 402, 577)"}],
    [{"role": "user", "content": "日本語 🦉"}, {"role": "assistant", "content": "owl"}],
]
def chat_fixture(name, style, template, bos, eos, extra=None):
    try:
        t = fast(style, template, bos, eos)
        d = os.path.join(OUT, name); os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(OUT, "tok-" + style, "tokenizer.json"), d)
        cfg = {"chat_template": template, "bos_token": bos, "eos_token": eos, "pad_token": eos,
               "tokenizer_class": "PreTrainedTokenizerFast"}
        json.dump(cfg, open(os.path.join(d, "tokenizer_config.json"), "w"), ensure_ascii=False, indent=1)
        cases = []
        for msgs in CONVS:
            for gen in [True, False]:
                kw = dict(extra or {})
                text = t.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen, **kw)
                ids = t.apply_chat_template(msgs, tokenize=True, add_generation_prompt=gen, **kw)
                if hasattr(ids, "keys"): ids = ids["input_ids"]
                cases.append({"messages": msgs, "add_generation_prompt": gen, "text": text, "ids": list(ids),
                              "kwargs": kw})
        json.dump(cases, open(os.path.join(d, "cases.json"), "w"), ensure_ascii=False, indent=1)
        print("chat", name, len(cases), flush=True)
    except Exception:
        errors.append("%s: %s" % (name, traceback.format_exc())); print(errors[-1], flush=True)
chat_fixture("chat-qwen2.5", "qwen2", QWEN25_TEMPLATE, None, "<|im_end|>")
chat_fixture("chat-smollm2", "qwen2", SMOL2_TEMPLATE, None, "<|im_end|>")
chat_fixture("chat-llama3", "llama3", LLAMA30_TEMPLATE, "<|begin_of_text|>", "<|eot_id|>")
chat_fixture("chat-llama3.1", "llama3", LLAMA31_TEMPLATE, "<|begin_of_text|>", "<|eot_id|>",
             {"date_string": "26 Jul 2024"})

from safetensors.torch import save_file
def model_fixture(name, style, cfg_kwargs, dtype=torch.float32, shard=None):
    try:
        from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM
        torch.manual_seed(7)
        tok = toks[style]
        V = tok.get_vocab_size()
        common = dict(vocab_size=V, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, initializer_range=0.15,
                      max_position_embeddings=256, rms_norm_eps=1e-6)
        common.update(cfg_kwargs)
        if style == "qwen2":
            cfg = Qwen2Config(**common); M = Qwen2ForCausalLM
        else:
            cfg = LlamaConfig(**common); M = LlamaForCausalLM
        model = M(cfg).eval()
        with torch.no_grad():  # norms at 1 hide bugs in their use: perturb them
            for n, p in model.named_parameters():
                if "norm" in n: p.add_(0.3 * torch.randn_like(p))
                if n.endswith("bias"): p.copy_(0.2 * torch.randn_like(p))
        d = os.path.join(OUT, name); os.makedirs(d, exist_ok=True)
        model.to(dtype).save_pretrained(d, safe_serialization=True, **({"max_shard_size": shard} if shard else {}))
        shutil.copy(os.path.join(OUT, "tok-" + style, "tokenizer.json"), d)
        ref = M.from_pretrained(d, torch_dtype=torch.float32).eval()   # fp32 compute from the saved weights
        t = fast(style, QWEN25_TEMPLATE if style != "llama3" else LLAMA30_TEMPLATE,
                 "<|begin_of_text|>" if style == "llama3" else None,
                 {"llama3": "<|eot_id|>", "gpt2": "<|endoftext|>"}.get(style, "<|im_end|>"))
        t.save_pretrained(d)
        ids = t.apply_chat_template([{"role": "user", "content": "Name an animal. 145, 267, 891"}],
                                    tokenize=True, add_generation_prompt=True)
        if hasattr(ids, "keys"): ids = ids["input_ids"]
        ids = list(ids)
        x = torch.tensor([ids])
        with torch.no_grad():
            logits = ref(x).logits[0].float()
            greedy, cur = [], x
            for _ in range(16):
                nxt = int(ref(cur).logits[0, -1].argmax())
                greedy.append(nxt); cur = torch.cat([cur, torch.tensor([[nxt]])], 1)
            gen = ref.generate(x, max_new_tokens=16, do_sample=False, use_cache=True, eos_token_id=None,
                               pad_token_id=0, min_new_tokens=0)[0, len(ids):].tolist()
            # a left-padded batch of two prompts, greedy with the cache
            b1 = ids; b2 = ids[: max(3, len(ids) // 2)]
            L = len(b1); pad = 0
            bx = torch.tensor([b1, [pad] * (L - len(b2)) + b2]); bm = torch.tensor([[1] * L, [0] * (L - len(b2)) + [1] * len(b2)])
            bgen = ref.generate(bx, attention_mask=bm, max_new_tokens=8, do_sample=False, use_cache=True,
                                eos_token_id=None, pad_token_id=pad)[:, L:].tolist()
        save_file({"logits": logits.contiguous()}, os.path.join(d, "logits.safetensors"))
        exp = {"input_ids": ids, "logits_last": logits[-1].tolist(), "logits_sum": float(logits.sum()),
               "greedy_ids": greedy, "generate_ids_cached": gen, "logits_file": "logits.safetensors",
               "batch_left_padded": {"input_ids": bx.tolist(), "attention_mask": bm.tolist(),
                                     "pad_token_id": pad, "greedy_ids_8": bgen},
               "saved_dtype": str(dtype), "compute": "fp32 (weights upcast from the saved dtype)",
               "versions": versions}
        json.dump(exp, open(os.path.join(d, "expected.json"), "w"), indent=0)
        print("model", name, V, logits.shape, flush=True)
        return ref, t, ids
    except Exception:
        errors.append("%s: %s" % (name, traceback.format_exc())); print(errors[-1], flush=True)

model_fixture("llama-f32", "gpt2", dict(tie_word_embeddings=False, rope_theta=10000.0))
model_fixture("llama3-bf16-sharded", "llama3",
              dict(tie_word_embeddings=True, rope_theta=500000.0, max_position_embeddings=131072,
                   rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                 "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}),
              dtype=torch.bfloat16, shard="150KB")
qwen = model_fixture("qwen2-f32", "qwen2", dict(tie_word_embeddings=True, rope_theta=1000000.0,
                                                 use_sliding_window=False))

# PEFT LoRA on the tiny Qwen2: adapter in PEFT's layout, logits with it, one AdamW step with its gradients.
try:
    from peft import LoraConfig, get_peft_model
    from transformers import Qwen2ForCausalLM
    base_dir = os.path.join(OUT, "qwen2-f32")
    base = Qwen2ForCausalLM.from_pretrained(base_dir, torch_dtype=torch.float32)
    torch.manual_seed(11)
    lcfg = LoraConfig(r=8, lora_alpha=8, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
                      init_lora_weights=False)
    pm = get_peft_model(base, lcfg)
    with torch.no_grad():   # make B clearly non-zero and A moderate, seeded
        for n, p in pm.named_parameters():
            if "lora_" in n: p.copy_(0.1 * torch.randn_like(p))
    d = os.path.join(OUT, "lora-qwen2"); os.makedirs(d, exist_ok=True)
    pm.save_pretrained(d)
    t = PreTrainedTokenizerFast.from_pretrained(base_dir)
    prompt = t.apply_chat_template([{"role": "user", "content": "Add numbers: 145, 267, 891"}],
                                   tokenize=True, add_generation_prompt=True)
    if hasattr(prompt, "keys"): prompt = prompt["input_ids"]
    prompt = list(prompt)
    completion = t.encode("310, 472, 518<|im_end|>", add_special_tokens=False)
    ids = prompt + completion
    labels = [-100] * len(prompt) + completion
    x = torch.tensor([ids]); y = torch.tensor([labels])
    pm.eval()
    with torch.no_grad():
        logits = pm(x).logits[0]
    pm.train()
    out = pm(input_ids=x, labels=y)
    loss = out.loss
    loss.backward()
    grads = {n: p.grad.detach().clone().contiguous() for n, p in pm.named_parameters() if p.requires_grad}
    opt = torch.optim.AdamW([p for p in pm.parameters() if p.requires_grad], lr=1e-3, betas=(0.9, 0.999),
                            eps=1e-8, weight_decay=0.0)
    opt.step()
    save_file(grads, os.path.join(d, "grads.safetensors"))
    pm.save_pretrained(os.path.join(d, "after_step"))
    with torch.no_grad():
        pm.eval(); loss_after = float(pm(input_ids=x, labels=y).loss)
    json.dump({"base": "../qwen2-f32", "input_ids": ids, "logits_last": logits[-1].tolist(),
               "logits_sum": float(logits.detach().sum()), "train_ids": ids, "labels": labels, "loss": float(loss.detach()),
               "loss_after_step": loss_after,
               "optimizer": {"name": "AdamW", "lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0},
               "grads_file": "grads.safetensors (names as in PEFT's named_parameters)",
               "versions": versions}, open(os.path.join(d, "expected.json"), "w"), indent=0)
    print("lora ok", float(loss), loss_after, flush=True)
except Exception:
    errors.append("lora: %s" % traceback.format_exc()); print(errors[-1], flush=True)

readme = """# Golden fixtures made by the real Hugging Face libraries
Made by scripts/gpu/make_fixtures.py on a GPU machine (CPU arithmetic, fp32), versions: %s
- tok-gpt2/, tok-llama3/, tok-qwen2/: tiny byte-level BPE tokenizers trained with `tokenizers` (vocab 512) using each
  family's normalizer / pre-tokenizer split pattern / decoder / post-processor; cases.json: text, ids (add_special_tokens
  True), ids_plain (False), decoded (ids_plain, specials kept), decoded_skip (ids, skip_special_tokens).
- chat-qwen2.5, chat-smollm2 (ChatML, qwen2 tokenizer), chat-llama3 (Llama-3.0 template), chat-llama3.1 (Llama-3.1
  template rendered with date_string "26 Jul 2024"): tokenizer.json + tokenizer_config.json (real chat_template);
  cases.json: messages, add_generation_prompt, text (apply_chat_template tokenize=False), ids (tokenize=True), kwargs.
- llama-f32 (gpt2-style tokenizer, untied), llama3-bf16-sharded (llama3 rope scaling, tied, bf16, shards + index),
  qwen2-f32 (q/k/v bias, tied): save_pretrained checkpoints (hidden 64, intermediate 128, 2 layers, 4 heads, 2 KV
  heads, norms and biases perturbed). expected.json: input_ids, logits_last, logits_sum, greedy_ids (16, full forward
  argmax loop), generate_ids_cached (model.generate greedy with cache), batch_left_padded (two prompts, left padding,
  attention mask, greedy 8 with cache); logits.safetensors: "logits" [seq, vocab] fp32. Logits computed in fp32 from
  the saved weights (bf16 ones upcast).
- lora-qwen2: PEFT LoRA r 8, alpha 8, dropout 0, 7 target modules, A and B = 0.1 * randn (seeded) on qwen2-f32;
  adapter_model.safetensors + adapter_config.json; expected.json: logits_last with the adapter, train_ids, labels
  (-100 on prompt), loss (HF's shifted mean cross-entropy), loss_after_step; grads.safetensors (one backward);
  after_step/: the adapter after one AdamW step (lr 1e-3, wd 0).
Errors: %s
""" % (json.dumps(versions), json.dumps(errors))
open(os.path.join(OUT, "README.md"), "w").write(readme)
shutil.copy(__file__, os.path.join(OUT, "make_fixtures.py"))
print("ERRORS", len(errors))
