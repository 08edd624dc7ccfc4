#!/usr/bin/python3
"""bf16 against fp32: the loss curves of the same run (same seed, data and masks) over a few hundred
steps, for train.precision: auto's tolerance. Prints, per preset, the largest difference of the
MLM loss averaged over each window of `--window` steps (train.jsonl logs every step here), the
difference of the final validation loss, and both speeds.
  scripts/bench_precision.py --bin build/bertforge --config C --run-dir D [--steps 300]"""
import argparse, json, os, subprocess

PRESETS = {"tiny": 512, "mini": 1024}


def train(a, preset, precision):
    run = os.path.join(a.run_dir, preset)
    sets = {"run_dir": run, "model.preset": preset, "model.architecture": "bert",
            "model.intermediate": PRESETS[preset], "train.steps": a.steps,
            "train.precision": precision, "train.log_every": 1, "train.eval_every": a.steps,
            "train.eval_batches": 20, "train.save_every": 0, "train.threads": a.threads,
            "data.max_seq_len": 128, "train.batch_size": 32, "train.schedule": "linear",
            "train.warmup_steps": a.steps // 10, "train.lr": 1e-3}
    args = [a.bin, "train", "--config", a.config, "--overwrite"]
    for k, v in sets.items():
        args += ["--set", f"{k}={v}"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = [json.loads(l) for l in open(os.path.join(run, "logs", "train.jsonl"))]
    ev = [json.loads(l) for l in open(os.path.join(run, "logs", "eval.jsonl"))][-1]
    tok = sum(l["tokens_per_sec"] for l in log[5:]) / len(log[5:])
    return [l["mlm_loss"] for l in log], ev["mlm_loss"], tok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--presets", default="tiny,mini")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--window", type=int, default=25)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    print("| preset | steps | fp32 final val MLM loss | bf16 | relative difference | largest "
          "difference of a %d-step mean train loss | fp32 tokens/s | bf16 tokens/s | bf16/fp32 |"
          % a.window)
    print("|---|---|---|---|---|---|---|---|---|")
    for preset in a.presets.split(","):
        f_curve, f_val, f_tok = train(a, preset, "fp32")
        b_curve, b_val, b_tok = train(a, preset, "bf16")
        w = a.window
        means = lambda c: [sum(c[i:i + w]) / w for i in range(0, len(c) - w + 1, w)]
        gap = max(abs(x - y) for x, y in zip(means(f_curve), means(b_curve)))
        print(f"| {preset} | {a.steps} | {f_val:.4f} | {b_val:.4f} | "
              f"{100 * abs(b_val - f_val) / f_val:.2f}% | {gap:.4f} | {f_tok:.0f} | {b_tok:.0f} | "
              f"{b_tok / f_tok:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
