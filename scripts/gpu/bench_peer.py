# The peer for bench/bench_hf on a GPU: transformers + peft with random weights in Qwen2.5 shapes, bf16.
# Generation tokens/s (batched, KV cache, greedy) and LoRA training tokens/s. Prints one JSON line per shape.
import json, sys, time, torch
from transformers import Qwen2Config, Qwen2ForCausalLM
from peft import LoraConfig, get_peft_model
SHAPES = {
  "qwen2.5-0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                       num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True),
  "qwen2.5-7b": dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
                     num_key_value_heads=4, vocab_size=152064, tie_word_embeddings=False),
}
budget = float(sys.argv[1]) if len(sys.argv) > 1 else 120
t_start = time.time()
for name, kw in SHAPES.items():
    if time.time() - t_start > budget: print(json.dumps({"shape": name, "skipped": "time budget"})); continue
    torch.manual_seed(0)
    cfg = Qwen2Config(**kw, max_position_embeddings=32768, rope_theta=1000000.0, torch_dtype="bfloat16")
    with torch.device("cuda"):
        model = Qwen2ForCausalLM(cfg).to(torch.bfloat16).eval()
    res = {"shape": name, "params": sum(p.numel() for p in model.parameters()), "gpu": torch.cuda.get_device_name()}
    B, P, N = 64, 64, 64
    x = torch.randint(0, kw["vocab_size"], (B, P), device="cuda")
    with torch.no_grad():
        model.generate(x[:, :8], max_new_tokens=4, do_sample=False, pad_token_id=0, eos_token_id=None)
        torch.cuda.synchronize(); t = time.time()
        out = model.generate(x, max_new_tokens=N, min_new_tokens=N, do_sample=False, pad_token_id=0, eos_token_id=None)
        torch.cuda.synchronize(); dt = time.time() - t
    res["generate"] = {"batch": B, "prompt": P, "new": N, "seconds": dt, "new_tokens_per_s": B * N / dt}
    lcfg = LoraConfig(r=8, lora_alpha=8, lora_dropout=0.0, task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    pm = get_peft_model(model, lcfg); pm.train()
    opt = torch.optim.AdamW([p for p in pm.parameters() if p.requires_grad], lr=2e-4)
    TB, TL = 22, 128   # 22 rows of 128 tokens, 3 accumulation steps = the paper's effective batch 66
    ids = torch.randint(0, kw["vocab_size"], (TB, TL), device="cuda")
    def step():
        loss = pm(input_ids=ids, labels=ids).loss; loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
    step(); torch.cuda.synchronize(); t = time.time(); steps = 5
    for _ in range(steps): step()
    torch.cuda.synchronize(); dt = time.time() - t
    res["lora_train"] = {"batch": TB, "len": TL, "steps": steps, "seconds": dt, "tokens_per_s": steps * TB * TL / dt,
                         "peak_gib": torch.cuda.max_memory_allocated() / 2**30}
    # The paper's protocol: 30,000 prompts generated (~60 new tokens each), 10,000 rows x 3 epochs of ~100 tokens.
    res["paper_protocol_estimate_s"] = {"generation": 30000 * 60 / res["generate"]["new_tokens_per_s"],
                                        "training": 10000 * 3 * 100 / res["lora_train"]["tokens_per_s"]}
    print(json.dumps(res), flush=True)
    del pm, model, opt; torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
