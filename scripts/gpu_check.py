#!/usr/bin/env python3
"""The CUDA checks of scripts/gpu_check.sh (Debian's python3, standard library only).

  --bin BERTFORGE --report FILE   runs every check, appends a line per check to FILE, exits 1 on
                                  the first failure
  --corpus-only PATH              writes the synthetic corpus and exits
  --dry-cpu                       every "cuda" becomes "cpu": checks this script on a CPU machine

Checks (each on a tiny model, seconds on a GPU):
  cpu_vs_cuda  fp32, dropout 0: train.device=cuda losses equal train.device=cpu step by step
               (rel 2e-3), for bert and modernbert, padded and packed batches: the fused SDPA
               kernel (CUDA) against the CPU math path, cuBLAS against the CPU BLAS
  bf16         train.precision=bf16 on CUDA, both architectures: finite losses that fall
  resume       a checkpoint written on the GPU resumes on the CPU, that one back on the GPU; the
               losses follow an uninterrupted GPU run (rel 2e-3)
  nccl         (2+ GPUs) torchrun --nproc_per_node 2, train.device=cuda (ProcessGroupNCCL):
               losses equal one rank with twice the batch (rel 2e-3)
"""
import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile

ARGS = None
WORK = None


def write_corpus(path, docs=400, seed=7):
    rng = random.Random(seed)
    syl = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "fi", "gu", "he"]
    words = sorted({"".join(rng.choice(syl) for _ in range(rng.randint(1, 3))) for _ in range(3000)})
    weights = [1.0 / (i + 1) for i in range(len(words))]
    with open(path, "w") as f:
        for d in range(docs):
            if d:
                f.write("\n")
            for _ in range(rng.randint(4, 12)):
                n = rng.randint(5, 18)
                s = " ".join(rng.choices(words, weights, k=n))
                f.write(s[0].upper() + s[1:] + ".\n")


def config(run_dir, arch="bert", pack=False, device="cuda", precision="fp32", **train):
    if ARGS.dry_cpu:
        device = "cpu"
    t = {"steps": 30, "batch_size": 8, "lr": 0.002, "warmup_steps": 5, "schedule": "linear",
         "log_every": 1, "eval_every": 0, "eval_batches": 2, "save_every": 0, "keep_last": 3,
         "threads": 4, "device": device, "precision": precision, "dist_timeout_sec": 120}
    t.update(train)
    return {
        "run_dir": run_dir, "seed": 11,
        "tokenizer": {"vocab_size": 500, "type": "unigram", "byte_fallback": False},
        "data": {"train_files": [os.path.join(WORK, "corpus.txt")], "valid_fraction": 0.05,
                 "max_seq_len": 64, "threads": 4, "nsp": arch == "bert", "pack": pack},
        "model": {"architecture": arch, "preset": "tiny", "layers": 2, "hidden": 64, "heads": 4,
                  "intermediate": 128, "max_position": 64, "dropout": 0.0,
                  "attention_dropout": 0.0},
        "train": t,
    }


def bertforge(*args, env=None, expect=0):
    p = subprocess.run([ARGS.bin] + list(args), capture_output=True, text=True, timeout=600,
                       env=env)
    if p.returncode != expect:
        raise AssertionError("bertforge %s exited %d:\n%s" % (" ".join(args), p.returncode,
                                                             (p.stdout + p.stderr)[-3000:]))
    return p.stdout + p.stderr


def pipeline(name, **kw):
    run_dir = os.path.join(WORK, name)
    cfg = os.path.join(WORK, name + ".json")
    with open(cfg, "w") as f:
        json.dump(config(run_dir, **kw), f)
    bertforge("pipeline", "--config", cfg)
    return run_dir, cfg


def losses(run_dir):
    with open(os.path.join(run_dir, "logs", "train.jsonl")) as f:
        return [(j["step"], j["loss"]) for j in map(json.loads, filter(str.strip, f))]


def same_losses(a, b, rel, what):
    assert [s for s, _ in a] == [s for s, _ in b], "%s: different steps logged" % what
    worst = max(abs(x - y) / abs(y) for (_, x), (_, y) in zip(a, b))
    assert worst <= rel, "%s: losses differ by rel %.2e (> %.0e)" % (what, worst, rel)
    return worst


def check_cpu_vs_cuda():
    out = []
    for arch in ("bert", "modernbert"):
        for pack in (False, True):
            tag = "%s-%s" % (arch, "packed" if pack else "padded")
            gpu, _ = pipeline("gpu-" + tag, arch=arch, pack=pack, device="cuda")
            cpu, _ = pipeline("cpu-" + tag, arch=arch, pack=pack, device="cpu")
            out.append("%s %.1e" % (tag, same_losses(losses(gpu), losses(cpu), 2e-3, tag)))
    return "CUDA == CPU step by step (worst rel): " + ", ".join(out)


def check_bf16():
    out = []
    for arch in ("bert", "modernbert"):
        run, _ = pipeline("bf16-" + arch, arch=arch, precision="bf16", steps=40)
        l = [x for _, x in losses(run)]
        assert all(math.isfinite(x) for x in l), "bf16 %s: non-finite loss" % arch
        assert sum(l[-5:]) < sum(l[:5]), "bf16 %s: the loss does not fall: %s" % (arch, l)
        out.append("%s %.3f -> %.3f" % (arch, l[0], l[-1]))
    return "bf16 on CUDA: " + ", ".join(out)


def check_resume():
    ref, _ = pipeline("resume-ref", steps=30)
    run, cfg = pipeline("resume", steps=10, save_every=10)
    for device, steps in (("cpu", 20), ("cuda", 30)):
        if ARGS.dry_cpu:
            device = "cpu"
        out = bertforge("train", "--config", cfg, "--resume", "auto", "--set",
                        "train.device=" + device, "--set", "train.steps=%d" % steps,
                        "--set", "train.save_every=10")
        assert "resumed from" in out, "no 'resumed from' resuming on %s:\n%s" % (device, out)
    worst = same_losses(losses(run), losses(ref), 2e-3, "GPU -> CPU -> GPU resume")
    return "checkpoint GPU -> CPU -> GPU resumes (steps 10, 20; rel %.1e to one GPU run)" % worst


def gpu_count():
    try:
        p = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=60)
        return sum(1 for l in p.stdout.splitlines() if l.startswith("GPU "))
    except OSError:
        return 0


def check_nccl():
    n = 2 if ARGS.dry_cpu else gpu_count()
    if n < 2:
        return "SKIP nccl: %d GPU(s); NCCL needs 2 (one rank a GPU)" % n
    torchrun = shutil.which("torchrun")
    assert torchrun, "no torchrun on PATH"
    one, _ = pipeline("nccl-one", batch_size=8)
    run_dir = os.path.join(WORK, "nccl-two")
    cfg = os.path.join(WORK, "nccl-two.json")
    with open(cfg, "w") as f:
        json.dump(config(run_dir, batch_size=4), f)
    bertforge("tokenizer", "--config", cfg)
    bertforge("prepare", "--config", cfg)
    p = subprocess.run([torchrun, "--nproc_per_node", "2", "--no_python", ARGS.bin, "train",
                        "--config", cfg], capture_output=True, text=True, timeout=600)
    out = p.stdout + p.stderr
    assert p.returncode == 0, "torchrun exited %d:\n%s" % (p.returncode, out[-3000:])
    assert "rank 1 of 2 joined" in out, "rank 1 did not join:\n" + out[-2000:]
    worst = same_losses(losses(run_dir), losses(one), 2e-3, "NCCL 2 ranks vs 1")
    return "NCCL: 2 ranks x batch 4 == 1 rank x batch 8 (rel %.1e)" % worst


def main():
    global ARGS, WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin")
    ap.add_argument("--report")
    ap.add_argument("--corpus-only")
    ap.add_argument("--dry-cpu", action="store_true")
    ARGS = ap.parse_args()
    if ARGS.corpus_only:
        write_corpus(ARGS.corpus_only, docs=4000)
        return 0
    WORK = tempfile.mkdtemp(prefix="bf-gpu-check-")
    write_corpus(os.path.join(WORK, "corpus.txt"))
    rc = 0
    for check in (check_cpu_vs_cuda, check_bf16, check_resume, check_nccl):
        try:
            line = check()
            line = line if line.startswith("SKIP") else "PASS " + line
        except Exception as e:  # noqa: BLE001 - reported, then the run fails
            line = "FAIL %s: %s" % (check.__name__, e)
            rc = 1
        print("gpu_check:", line, flush=True)
        with open(ARGS.report, "a") as f:
            f.write("- " + line.splitlines()[0] + "\n")
    shutil.rmtree(WORK, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
