#!/usr/bin/python3
"""Training throughput of bertforge against a plain-PyTorch HuggingFace-style step, same machine,
same run, same batch shapes (seq 128, batch 32, 2 threads). Called by bench_train.sh."""
import argparse, json, os, resource, subprocess, sys, time

PRESETS = {"tiny": (2, 128, 2, 512), "mini": (4, 256, 4, 1024)}


def run_bertforge(bin_, config, run_dir, preset, steps, threads):
    layers, hidden, heads, inter = PRESETS[preset]
    log = os.path.join(run_dir, "logs", "train.jsonl")
    args = [bin_, "train", "--config", config, "--set", f"run_dir={run_dir}",
            "--set", f"model.preset={preset}", "--set", f"train.steps={steps}",
            # The baseline is classic BERT: pin the quickstart's recipe keys to it.
            "--set", "model.architecture=bert", "--set", f"model.intermediate={inter}",
            "--set", "model.dropout=0.1", "--set", "model.attention_dropout=0.1",
            "--set", "model.layer_norm_eps=1e-12", "--set", "data.nsp=true",
            "--set", "masking.probability=0.15",
            "--set", "train.batch_size=32", "--set", "data.max_seq_len=128",
            "--set", "data.pad_to_max=true", "--set", f"train.threads={threads}",
            "--set", "train.log_every=5", "--set", "train.eval_every=0", "--set", "train.save_every=0",
            "--set", "train.eval_batches=1", "--overwrite"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    lines = [json.loads(l) for l in open(log)]
    body = lines[1:]  # the first window includes start-up
    tok = sum(l["tokens_per_sec"] for l in body) / len(body)
    pos = sum(l["positions_per_sec"] for l in body) / len(body)
    return {"tokens_per_sec": tok, "positions_per_sec": pos, "peak_rss_mb": max(rss, before) / 1024}


def run_baseline(preset, vocab, steps, threads):
    layers, hidden, heads, inter = PRESETS[preset]
    here = os.path.dirname(os.path.abspath(__file__))
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_WAIT_POLICY", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_")}
    out = subprocess.run(["/usr/bin/python3", os.path.join(here, "bench_train_baseline.py"),
                          "--vocab", str(vocab), "--layers", str(layers), "--hidden", str(hidden),
                          "--heads", str(heads), "--intermediate", str(inter), "--batch", "32",
                          "--seq", "128", "--threads", str(threads), "--steps", str(steps)],
                         check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--vocab", type=int, required=True)
    ap.add_argument("--presets", default="tiny,mini")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    rows = []
    for preset in a.presets.split(","):
        bf = run_bertforge(a.bin, a.config, os.path.join(a.run_dir, preset), preset, a.steps, a.threads)
        base = run_baseline(preset, a.vocab, max(10, a.steps // 3), a.threads)
        ratio = bf["positions_per_sec"] / base["positions_per_sec"]
        rows.append((preset, bf, base, ratio))
        print(f"{preset}: bertforge {bf['tokens_per_sec']:.0f} real tokens/s, "
              f"{bf['positions_per_sec']:.0f} positions/s, peak RSS {bf['peak_rss_mb']:.0f} MB | "
              f"PyTorch HF-style {base['positions_per_sec']:.0f} positions/s, peak RSS "
              f"{base['peak_rss_mb']:.0f} MB | ratio {ratio:.2f}x", flush=True)
    print("\n| preset | bertforge real tokens/s | bertforge positions/s | bertforge peak RSS | "
          "PyTorch positions/s | PyTorch peak RSS | speed-up |")
    print("|---|---|---|---|---|---|---|")
    for preset, bf, base, ratio in rows:
        print(f"| {preset} | {bf['tokens_per_sec']:.0f} | {bf['positions_per_sec']:.0f} | "
              f"{bf['peak_rss_mb']:.0f} MB | {base['positions_per_sec']:.0f} | "
              f"{base['peak_rss_mb']:.0f} MB | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
