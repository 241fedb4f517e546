#!/usr/bin/python3
"""Plain PyTorch peer of bench_lm: the same decoder (d_model 64, 2 layers, 4 heads, learned positions,
pre-LayerNorm, GELU MLP, vocabulary ~1,050), the same training step (batch 64 x 24 positions, every
position trained, cross-entropy, AdamW lr 1e-3) and the same generation (256 prompts per batch, 24 new
tokens sampled at temperature 1, with and without a KV cache), written as one would in Python.

  bench_lm.py check DIR               after `bench_lm --dump DIR`: same initial weights and rows, the
                                      first 5 steps' losses must equal the engine's (float tolerance)
  bench_lm.py speed DIR THREADS STEPS prints "RESULT train gen_cache gen_nocache" (tokens/s)
  bench_lm.py compare BENCH_LM THREADS [ROUNDS] [STEPS] [--peer-env NAME=VALUE ...]
                                      runs the engine's bench_lm and this script alternately, ROUNDS
                                      times each, and prints every round and the median ratios;
                                      --peer-env sets a variable for the script only, e.g.
                                      GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296
                                      (glibc then keeps freed tensor memory instead of returning it
                                      to the kernel each step, the fix the engine gets from jemalloc)
"""
import json, math, os, statistics, subprocess, sys, tempfile, time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "oracles"))
from hf_reference import read_safetensors  # noqa: E402


class Lora(torch.nn.Module):
    """Named like the engine's LoraLinear (a Linear called base) so its weights load by name."""

    def __init__(self, i, o):
        super().__init__()
        self.base = torch.nn.Linear(i, o)

    def forward(self, x):
        return self.base(x)


class Block(torch.nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.dh = h, d // h
        self.ln1, self.ln2 = torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)
        self.qkv, self.proj = Lora(d, 3 * d), Lora(d, d)
        self.fc1, self.fc2 = Lora(d, 4 * d), Lora(4 * d, d)

    def forward(self, x, cache=None):
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.h, self.dh).permute(2, 0, 3, 1, 4)
        past = 0
        if cache is not None:
            if cache:
                past = cache[0].shape[2]
                k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
            cache[:] = [k, v]
        att = q @ k.transpose(-2, -1) * (1.0 / math.sqrt(self.dh))
        if T > 1:
            att = att.masked_fill(torch.ones(T, past + T, dtype=torch.bool).triu(past + 1), float("-inf"))
        y = (torch.softmax(att, -1) @ v).transpose(1, 2).reshape(B, T, D)
        h = x + self.proj(y)
        return h + self.fc2(F.gelu(self.fc1(self.ln2(h))))


class Lm(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        d = m["d_model"]
        self.tok_emb, self.pos_emb = torch.nn.Embedding(m["vocab"], d), torch.nn.Embedding(m["context"], d)
        self.blocks = torch.nn.ModuleList([Block(d, m["heads"]) for _ in range(m["layers"])])
        self.ln_f, self.head = torch.nn.LayerNorm(d), torch.nn.Linear(d, m["vocab"])

    def forward(self, tokens, cache=None):
        past = cache[0][0].shape[2] if cache and cache[0] else 0
        x = self.tok_emb(tokens) + self.pos_emb(torch.arange(past, past + tokens.shape[1])).unsqueeze(0)
        for i, b in enumerate(self.blocks):
            x = b(x, cache[i] if cache is not None else None)
        return self.head(self.ln_f(x))


def load(d):
    meta = json.load(open(os.path.join(d, "meta.json")))
    model = Lm(meta)
    model.load_state_dict(read_safetensors(os.path.join(d, "init.safetensors")))
    return meta, model


def tokens(path):
    return [[int(t) for t in line.split()] for line in open(path) if line.strip()]


def train(model, data, batch, steps, lr, seed=7):
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(seed)
    order, cursor, losses = torch.randperm(len(data), generator=g), 0, []
    model.train()
    for _ in range(steps):
        if cursor + batch > len(data):
            order, cursor = torch.randperm(len(data), generator=g), 0
        rows = data[order[cursor:cursor + batch]]
        cursor += batch
        logits = model(rows[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), rows[:, 1:].reshape(-1), ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def generate(model, prompts, eos, cached, batch=256, new=24, seed=1):
    model.eval()
    g = torch.Generator().manual_seed(seed)
    by_len = {}
    for p in prompts:
        by_len.setdefault(len(p), []).append(p)
    produced = 0
    for group in by_len.values():
        for s in range(0, len(group), batch):
            seq = torch.tensor(group[s:s + batch])
            cache = [[] for _ in model.blocks] if cached else None
            logits = model(seq, cache)
            done = torch.zeros(len(seq), dtype=torch.bool)
            for step in range(new):
                nxt = torch.multinomial(torch.softmax(logits[:, -1], -1), 1, generator=g).squeeze(1)
                nxt[done] = eos
                done |= nxt == eos
                produced += int((~done).sum())
                if bool(done.all()) or step + 1 == new:
                    break
                seq = torch.cat([seq, nxt[:, None]], 1)
                logits = model(nxt[:, None], cache) if cached else model(seq)
    return produced


def check(d):
    meta, model = load(d)
    rows = torch.tensor(tokens(os.path.join(d, "rows.txt")))
    mine = train(model, rows, meta["batch"], 5, meta["lr"])
    theirs = [float(x) for x in open(os.path.join(d, "losses.txt"))]
    for i, (a, b) in enumerate(zip(mine, theirs)):
        print("step %d: PyTorch %.6f engine %.6f" % (i + 1, a, b))
    worst = max(abs(a - b) for a, b in zip(mine, theirs))
    print("max |difference| %.2e" % worst)
    return 0 if len(theirs) == 5 and worst < 1e-4 else 1


def speed(d, threads, steps):
    torch.set_num_threads(threads)
    meta, model = load(d)
    g = torch.Generator().manual_seed(7)
    data = torch.cat([torch.full((4096, 1), meta["bos"]), torch.randint(0, 1000, (4096, 24), generator=g)], 1)
    train(model, data, meta["batch"], 20, meta["lr"])  # warm-up
    t = time.perf_counter()
    train(model, data, meta["batch"], steps, meta["lr"])
    tr = steps * meta["batch"] * 24 / (time.perf_counter() - t)
    prompts = tokens(os.path.join(d, "prompts.txt"))
    gen = []
    for cached in (True, False):
        _, model = load(d)
        t = time.perf_counter()
        n = generate(model, prompts, meta["eos"], cached)
        gen.append(n / (time.perf_counter() - t))
    print("torch threads: %d" % torch.get_num_threads())
    print("RESULT %.0f %.0f %.0f" % (tr, gen[0], gen[1]))


def result(out):
    line = [l for l in out.splitlines() if l.startswith("RESULT ")][-1]
    return [float(x) for x in line.split()[1:]]


def compare(bench, threads, rounds, steps, peer_env):
    env = dict(os.environ, **peer_env)
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([bench, "--dump", d], check=True, stdout=subprocess.DEVNULL)
        rows = []
        for r in range(rounds):
            eng = result(subprocess.run([bench, str(threads), str(steps)], check=True,
                                        capture_output=True, text=True).stdout)
            py = result(subprocess.run([sys.executable, __file__, "speed", d, str(threads), str(steps)],
                                       check=True, capture_output=True, text=True, env=env).stdout)
            rows.append((eng, py))
            print("round %d  train %6.0f vs %6.0f (%.2fx)  gen+cache %6.0f vs %6.0f (%.2fx)  "
                  "engine+cache vs script without cache %.1fx" %
                  (r + 1, eng[0], py[0], eng[0] / py[0], eng[1], py[1], eng[1] / py[1], eng[1] / py[2]),
                  flush=True)
    med = lambda i, j: statistics.median(e[i] / p[j] for e, p in rows)
    print("median over %d rounds, %d threads%s: training %.2fx, generation with cache %.2fx, "
          "engine with cache vs script without %.1fx" %
          (rounds, threads, " (script with %s)" % " ".join("%s=%s" % kv for kv in peer_env.items())
           if peer_env else "", med(0, 0), med(1, 1), med(1, 2)))


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["check"] and len(a) == 2:
        sys.exit(check(a[1]))
    if a[:1] == ["speed"] and len(a) == 4:
        sys.exit(speed(a[1], int(a[2]), int(a[3])))
    peer_env = {}
    while len(a) >= 2 and a[-2] == "--peer-env" and "=" in a[-1]:
        name, value = a[-1].split("=", 1)
        peer_env[name] = value
        a = a[:-2]
    if a[:1] == ["compare"] and 3 <= len(a) <= 5:
        sys.exit(compare(a[1], int(a[2]), int(a[3]) if len(a) > 3 else 5, int(a[4]) if len(a) > 4 else 300,
                         peer_env))
    sys.exit(__doc__)
