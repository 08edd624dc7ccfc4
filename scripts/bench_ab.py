#!/usr/bin/python3
"""A/B of bertforge binaries (or wrappers that add --set flags): each trains the same run, with
bench_train.py's settings (BERT with NSP, seq 128, batch 32, dropout 0.1, 2 threads), interleaved
`--rounds` times; prints each run's real tokens/s and each binary's median against the first's.
Needs a prepared run directory (tokenizer/ and data/, e.g. runs/bench-train/default/tiny from
scripts/bench_train.sh).
  /usr/bin/python3 scripts/bench_ab.py --bins /tmp/bertforge-old,build/bertforge \\
      --config runs/bench-train/default.json --prepared runs/bench-train/default/tiny
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

INTERMEDIATE = {"tiny": 512, "mini": 1024}


def run(a, binary, run_dir):
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    for d in ("tokenizer", "data"):
        os.symlink(os.path.abspath(os.path.join(a.prepared, d)), os.path.join(run_dir, d))
    sets = {"run_dir": run_dir, "model.preset": a.preset, "train.steps": a.steps,
            "model.architecture": a.architecture, "model.intermediate": INTERMEDIATE[a.preset],
            "model.dropout": 0.1, "model.attention_dropout": 0.1, "model.layer_norm_eps": 1e-12,
            "data.nsp": str(a.architecture != "modernbert").lower(), "masking.probability": 0.15,
            "train.batch_size": 32,
            "data.max_seq_len": 128, "data.pad_to_max": str(a.layout == "pad128").lower(),
            "data.pack": str(a.layout == "packed").lower(), "train.precision": a.precision,
            "train.threads": 2, "train.log_every": 5, "train.eval_every": 0,
            "train.save_every": 0, "train.eval_batches": 1}
    args = [binary, "train", "--config", a.config, "--overwrite"]
    for k, v in sets.items():
        args += ["--set", f"{k}={v}"]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode:
        sys.exit(f"{binary} failed:\n{p.stderr[-2000:]}")
    body = [json.loads(l) for l in open(os.path.join(run_dir, "logs", "train.jsonl"))][1:]
    return sum(l["tokens_per_sec"] for l in body) / len(body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bins", required=True, help="comma-separated; the first is the baseline")
    ap.add_argument("--config", required=True)
    ap.add_argument("--prepared", required=True, help="run dir holding tokenizer/ and data/")
    ap.add_argument("--preset", default="tiny", choices=sorted(INTERMEDIATE))
    ap.add_argument("--precision", default="fp32")
    ap.add_argument("--layout", default="pad128", choices=["pad128", "dynamic", "packed"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--architecture", default="bert",
                    help="bert | roberta | modernbert (no NSP)")
    a = ap.parse_args()
    bins = a.bins.split(",")
    res = {b: [] for b in bins}
    for r in range(a.rounds):
        for b in bins:
            tok = run(a, b, os.path.join(os.path.dirname(a.prepared), "ab"))
            res[b].append(tok)
            print(f"round {r + 1}: {b} {tok:.0f} tok/s", flush=True)
    base = statistics.median(res[bins[0]])
    for b in bins:
        m = statistics.median(res[b])
        print(f"{b}: median {m:.0f} real tokens/s, x{m / base:.3f}")


if __name__ == "__main__":
    main()
