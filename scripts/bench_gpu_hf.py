#!/usr/bin/env python3
"""HuggingFace transformers' BertForPreTraining (BERT-base shape, randomly initialised: no download)
training throughput on a CUDA GPU, bf16 autocast, AdamW, seq 128, batch 32, for one attention
implementation ("eager" or "sdpa"). Prints one JSON line: real tokens/s (every position is real
here) and ms per step. Called by scripts/gpu_check.sh; needs torch with CUDA and transformers."""
import argparse, json, time

import torch
from transformers import BertConfig, BertForPreTraining


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attn", choices=["eager", "sdpa"], required=True)
    ap.add_argument("--vocab", type=int, default=30522)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    a = ap.parse_args()
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=a.vocab, attn_implementation=a.attn)
    model = BertForPreTraining(cfg).cuda().train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    B, T = a.batch, a.seq
    ids = torch.randint(5, a.vocab, (B, T), device="cuda")
    types = torch.zeros(B, T, dtype=torch.long, device="cuda")
    types[:, T // 2:] = 1
    mask = torch.ones(B, T, dtype=torch.long, device="cuda")
    labels = torch.full((B, T), -100, device="cuda")
    sel = torch.rand(B, T, device="cuda") < 0.15
    labels[sel] = ids[sel]
    nsp = torch.randint(0, 2, (B,), device="cuda")
    for step in range(a.warmup + a.steps):
        if step == a.warmup:
            torch.cuda.synchronize()
            t0 = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            out = model(input_ids=ids, token_type_ids=types, attention_mask=mask, labels=labels,
                        next_sentence_label=nsp)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    sec = (time.perf_counter() - t0) / a.steps
    print(json.dumps({"attn": a.attn, "tokens_per_sec": B * T / sec, "ms_per_step": 1e3 * sec}))


if __name__ == "__main__":
    main()
