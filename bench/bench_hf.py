#!/usr/bin/python3
"""Plain PyTorch counterpart of bench_hf: the same random SmolLM-shaped checkpoint, batched greedy
generation with a KV cache and LoRA (r 8, alpha 8, seven modules) AdamW steps, fp32 on CPU.
Usage: bench_hf.py FOLDER THREADS   (prints "RESULT gen_tokens_per_s train_tokens_per_s")"""
import json, math, os, sys, time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "oracles"))
from hf_reference import read_weights  # noqa: E402

GEN_B, PROMPT, NEW, TRAIN_B, TRAIN_LEN, STEPS = 4, 32, 16, 2, 64, 6
MODS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


class Model:
    def __init__(self, folder):
        c = json.load(open(os.path.join(folder, "config.json")))
        self.c, self.w = c, read_weights(folder)
        self.H, self.KV = c["num_attention_heads"], c["num_key_value_heads"]
        self.D = c["hidden_size"] // self.H
        self.inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, self.D, 2).float() / self.D))
        self.lora = {}

    def lin(self, name, x):
        y = torch.nn.functional.linear(x, self.w[name + ".weight"])
        if name in self.lora:
            a, b = self.lora[name]
            y = y + torch.nn.functional.linear(torch.nn.functional.linear(x, a), b)
        return y

    def norm(self, x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.c["rms_norm_eps"]))

    def forward(self, ids, cache=None, start=0):
        B, T = ids.shape
        x = self.w["model.embed_tokens.weight"][ids]
        fr = torch.outer(torch.arange(start, start + T).float(), self.inv)
        emb = torch.cat([fr, fr], -1)
        cos, sin = emb.cos(), emb.sin()
        rot = lambda t: t * cos + torch.cat([-t[..., self.D // 2:], t[..., :self.D // 2]], -1) * sin
        S = start + T
        mask = torch.full((T, S), float("-inf")).triu(start + 1)
        for i in range(self.c["num_hidden_layers"]):
            p = "model.layers.%d." % i
            h = self.norm(x, self.w[p + "input_layernorm.weight"])
            q = rot(self.lin(p + "self_attn.q_proj", h).view(B, T, self.H, self.D).transpose(1, 2))
            k = rot(self.lin(p + "self_attn.k_proj", h).view(B, T, self.KV, self.D).transpose(1, 2))
            v = self.lin(p + "self_attn.v_proj", h).view(B, T, self.KV, self.D).transpose(1, 2)
            if cache is not None:
                if i in cache:
                    k, v = torch.cat([cache[i][0], k], 2), torch.cat([cache[i][1], v], 2)
                cache[i] = (k, v)
            r = self.H // self.KV
            k, v = k.repeat_interleave(r, 1), v.repeat_interleave(r, 1)
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.D) + mask, -1) @ v
            x = x + self.lin(p + "self_attn.o_proj", a.transpose(1, 2).reshape(B, T, -1))
            h = self.norm(x, self.w[p + "post_attention_layernorm.weight"])
            x = x + self.lin(p + "mlp.down_proj", torch.nn.functional.silu(self.lin(p + "mlp.gate_proj", h)) * self.lin(p + "mlp.up_proj", h))
        return torch.nn.functional.linear(self.norm(x, self.w["model.norm.weight"]), self.w["model.embed_tokens.weight"])


def generate(m, ids, new):
    with torch.no_grad():
        cache = {}
        logits = m.forward(ids, cache, 0)[:, -1]
        pos = ids.shape[1]
        for s in range(new):
            nxt = logits.argmax(-1, keepdim=True)
            if s + 1 == new:
                break
            logits = m.forward(nxt, cache, pos)[:, -1]
            pos += 1


def main():
    folder, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    m = Model(folder)
    ids = torch.tensor([[(b * 7919 + t * 104729) % 49152 for t in range(PROMPT)] for b in range(GEN_B)])
    generate(m, ids, 2)
    t0 = time.time()
    generate(m, ids, NEW)
    gen = GEN_B * NEW / (time.time() - t0)
    params = []
    torch.manual_seed(1)
    for i in range(m.c["num_hidden_layers"]):
        for mod in MODS:
            name = "model.layers.%d.%s.%s" % (i, "self_attn" if mod[0] in "qkvo" else "mlp", mod)
            out, inp = m.w[name + ".weight"].shape
            a = ((torch.rand(8, inp) * 2 - 1) / math.sqrt(inp)).requires_grad_(True)
            b = torch.zeros(out, 8, requires_grad=True)
            m.lora[name] = (a, b)
            params += [a, b]
    opt = torch.optim.AdamW(params, lr=2e-4, weight_decay=0.0)
    x = torch.tensor([[(b * 31 + t * 977) % 49152 for t in range(TRAIN_LEN)] for b in range(TRAIN_B)])
    y = x.clone()
    y[:, :TRAIN_LEN // 2] = -100

    def step():
        opt.zero_grad()
        logits = m.forward(x)
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), y[:, 1:].reshape(-1), ignore_index=-100)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    step()
    t0 = time.time()
    for _ in range(STEPS):
        step()
    train = TRAIN_B * TRAIN_LEN * STEPS / (time.time() - t0)
    print("pytorch: generation %.1f new tokens/s; LoRA training %.1f tokens/s (torch %s, %d threads)" % (gen, train, torch.__version__, threads))
    print("RESULT %f %f" % (gen, train))


if __name__ == "__main__":
    main()
