#!/usr/bin/python3
"""Plain-PyTorch BERT pre-training step, computed the way HuggingFace's BertForPreTraining does
(dense MLM decoder over every position, CrossEntropyLoss(ignore_index=-100), NSP head, AdamW).
Used by bench_train.sh as the baseline that bertforge is compared with, on the same batch shapes
and the same LibTorch (Debian's python3-torch). Prints one JSON line."""
import argparse, json, math, resource, time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, h, heads, inter, p):
        super().__init__()
        self.heads, self.d = heads, h // heads
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.attn_out, self.ln1 = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.inter, self.out, self.ln2 = nn.Linear(h, inter), nn.Linear(inter, h), nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(p)

    def forward(self, x, ext_mask):
        B, T, H = x.shape
        def split(t):
            return t.view(B, T, self.heads, self.d).permute(0, 2, 1, 3)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.d) + ext_mask
        probs = self.drop(F.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(B, T, H)
        a = self.ln1(self.drop(self.attn_out(ctx)) + x)
        return self.ln2(self.drop(self.out(F.gelu(self.inter(a)))) + a)


class BertForPreTraining(nn.Module):
    def __init__(self, V, h, layers, heads, inter, P=512, p=0.1):
        super().__init__()
        self.word, self.pos, self.tok_type = nn.Embedding(V, h, padding_idx=0), nn.Embedding(P, h), nn.Embedding(2, h)
        self.ln, self.drop = nn.LayerNorm(h, eps=1e-12), nn.Dropout(p)
        self.layers = nn.ModuleList([Layer(h, heads, inter, p) for _ in range(layers)])
        self.pooler = nn.Linear(h, h)
        self.transform, self.tln = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.decoder = nn.Linear(h, V)
        self.decoder.weight = self.word.weight  # tied, as in HF
        self.nsp = nn.Linear(h, 2)

    def forward(self, ids, types, mask):
        T = ids.shape[1]
        x = self.drop(self.ln(self.word(ids) + self.tok_type(types) + self.pos(torch.arange(T)[None])))
        ext = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for l in self.layers:
            x = l(x, ext)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        mlm = self.decoder(self.tln(F.gelu(self.transform(x))))  # (B, T, V): every position
        return mlm, self.nsp(pooled)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=8000)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--intermediate", type=int, default=512)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--precision", choices=("fp32", "bf16"), default="fp32",
                    help="bf16: CPU autocast around forward and loss, as a torch 2.x user sets it "
                         "(on torch 1.13 layer_norm fails under it)")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    model = BertForPreTraining(a.vocab, a.hidden, a.layers, a.heads, a.intermediate)
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "ln" in n)]
    other = [p for n, p in model.named_parameters() if n.endswith("bias") or "ln" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": other, "weight_decay": 0.0}], lr=1e-4)
    B, T, V = a.batch, a.seq, a.vocab
    ids = torch.randint(5, V, (B, T))
    types = torch.zeros(B, T, dtype=torch.long)
    types[:, T // 2:] = 1
    mask = torch.ones(B, T, dtype=torch.long)
    labels = torch.full((B, T), -100)
    sel = torch.rand(B, T) < 0.15
    labels[sel] = ids[sel]
    nsp = torch.randint(0, 2, (B,))
    model.train()
    times = []
    for step in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            mlm, nsp_logits = model(ids, types, mask)
            loss = F.cross_entropy(mlm.view(-1, V), labels.view(-1), ignore_index=-100) + F.cross_entropy(nsp_logits, nsp)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()
        if step >= a.warmup:
            times.append(time.perf_counter() - t0)
    sec = sum(times) / len(times)
    print(json.dumps({"sec_per_step": sec, "positions_per_sec": B * T / sec,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
