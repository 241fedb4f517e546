#!/usr/bin/python3
"""Plain PyTorch reference for Llama / Qwen2 checkpoints in Hugging Face layout (no transformers).

Written apart from engine/hf to check it: it parses safetensors itself, follows transformers'
modeling_llama.py / modeling_qwen2.py (eager attention, fp32), and answers one request:

  hf_reference.py REQUEST.json  ->  prints a JSON answer on stdout

REQUEST: {"model": folder, "ids": [...], "greedy": N,
          "lora": {"adapter": folder, "train_ids": [...], "labels": [...], "lr": 1e-3}}  (lora optional)
ANSWER:  {"logits": [[...]] (every position, fp32), "greedy": [...],
          "lora_logits_last": [...], "lora_loss": x, "lora_after": {name: flat list}}
Needs Debian's python3-torch (torch 1.13); nothing else.
"""
import json, math, os, struct, sys

import torch

DT = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, en = e["data_offsets"]
        buf = bytearray(raw[8 + n + b: 8 + n + en])
        t = torch.frombuffer(buf, dtype=DT[e["dtype"]]) if len(buf) else torch.zeros(0, dtype=DT[e["dtype"]])
        out[name] = t.reshape(e["shape"]).float()
    return out


def read_weights(folder):
    idx = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(idx):
        w = {}
        for shard in sorted(set(json.load(open(idx))["weight_map"].values())):
            w.update(read_safetensors(os.path.join(folder, shard)))
        return w
    return read_safetensors(os.path.join(folder, "model.safetensors"))


class Ref:
    def __init__(self, folder):
        c = json.load(open(os.path.join(folder, "config.json")))
        self.c = c
        self.w = read_weights(folder)
        self.H = c["num_attention_heads"]
        self.KV = c.get("num_key_value_heads") or self.H
        self.D = c.get("head_dim") or c["hidden_size"] // self.H
        self.eps = c["rms_norm_eps"]
        rp = c.get("rope_parameters") or dict(c.get("rope_scaling") or {}, rope_theta=c.get("rope_theta", 10000.0))
        theta = rp.get("rope_theta", 10000.0)
        inv = 1.0 / (theta ** (torch.arange(0, self.D, 2, dtype=torch.int64).float() / self.D))
        if (rp.get("rope_type") or rp.get("type")) == "llama3":  # transformers' _compute_llama3_parameters
            f, lo, hi, old = rp["factor"], rp["low_freq_factor"], rp["high_freq_factor"], rp["original_max_position_embeddings"]
            wl = 2 * math.pi / inv
            new = torch.where(wl > old / lo, inv / f, inv)
            sm = (old / wl - lo) / (hi - lo)
            smoothed = (1 - sm) * new / f + sm * new
            med = ~(wl < old / hi) * ~(wl > old / lo)
            inv = torch.where(med, smoothed, new)
        self.inv = inv
        self.tied = c.get("tie_word_embeddings", False)
        self.lora = {}

    def lin(self, name, x):
        y = x @ self.w[name + ".weight"].t()
        if name + ".bias" in self.w:
            y = y + self.w[name + ".bias"]
        if name in self.lora:
            a, b, s = self.lora[name]
            y = y + (x @ a.t()) @ b.t() * s
        return y

    def norm(self, x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    def forward(self, ids):
        T = len(ids)
        x = self.w["model.embed_tokens.weight"][torch.tensor(ids)]
        pos = torch.arange(T).float()
        fr = torch.outer(pos, self.inv)
        emb = torch.cat([fr, fr], -1)
        cos, sin = emb.cos(), emb.sin()

        def rope(t):  # t [heads, T, D]
            h = t.shape[-1] // 2
            return t * cos + torch.cat([-t[..., h:], t[..., :h]], -1) * sin
        causal = torch.full((T, T), float("-inf")).triu(1)
        for i in range(self.c["num_hidden_layers"]):
            p = "model.layers.%d." % i
            h = self.norm(x, self.w[p + "input_layernorm.weight"])
            q = self.lin(p + "self_attn.q_proj", h).view(T, self.H, self.D).transpose(0, 1)
            k = self.lin(p + "self_attn.k_proj", h).view(T, self.KV, self.D).transpose(0, 1)
            v = self.lin(p + "self_attn.v_proj", h).view(T, self.KV, self.D).transpose(0, 1)
            q, k = rope(q), rope(k)
            rep = self.H // self.KV
            k = k[:, None].expand(self.KV, rep, T, self.D).reshape(self.H, T, self.D)
            v = v[:, None].expand(self.KV, rep, T, self.D).reshape(self.H, T, self.D)
            a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(self.D) + causal, -1) @ v
            x = x + self.lin(p + "self_attn.o_proj", a.transpose(0, 1).reshape(T, self.H * self.D))
            h = self.norm(x, self.w[p + "post_attention_layernorm.weight"])
            g = self.lin(p + "mlp.gate_proj", h)
            x = x + self.lin(p + "mlp.down_proj", torch.nn.functional.silu(g) * self.lin(p + "mlp.up_proj", h))
        x = self.norm(x, self.w["model.norm.weight"])
        head = self.w["model.embed_tokens.weight"] if self.tied else self.w["lm_head.weight"]
        return x @ head.t()


def main():
    req = json.load(open(sys.argv[1]))
    torch.set_num_threads(1)
    m = Ref(req["model"])
    ans = {}
    with torch.no_grad():
        ans["logits"] = m.forward(req["ids"]).tolist()
        cur, greedy = list(req["ids"]), []
        for _ in range(req.get("greedy", 0)):  # full forward each time: no cache to get wrong
            nxt = int(m.forward(cur)[-1].argmax())
            greedy.append(nxt)
            cur.append(nxt)
        ans["greedy"] = greedy
    if "lora" in req:
        lr = req["lora"]
        cfg = json.load(open(os.path.join(lr["adapter"], "adapter_config.json")))
        ad = read_safetensors(os.path.join(lr["adapter"], "adapter_model.safetensors"))
        s = cfg["lora_alpha"] / cfg["r"]
        params = {}
        for name, t in ad.items():
            base = name[len("base_model.model."):].rsplit(".lora_", 1)[0]
            params[name] = t.clone().requires_grad_(True)
        for name in params:
            if ".lora_A." in name:
                base = name[len("base_model.model."):].split(".lora_A.")[0]
                m.lora[base] = (params[name], params[name.replace("lora_A", "lora_B")], s)
        with torch.no_grad():
            ans["lora_logits_last"] = m.forward(req["ids"])[-1].tolist()
        ids, labels = lr["train_ids"], torch.tensor(lr["labels"])
        logits = m.forward(ids)
        loss = torch.nn.functional.cross_entropy(logits[:-1], labels[1:], ignore_index=-100)
        loss.backward()
        opt = torch.optim.AdamW(list(params.values()), lr=lr["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
        opt.step()
        ans["lora_loss"] = float(loss)
        ans["lora_after"] = {n: p.detach().reshape(-1).tolist() for n, p in params.items()}
    json.dump(ans, sys.stdout)


if __name__ == "__main__":
    main()
