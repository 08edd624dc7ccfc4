#!/usr/bin/python3
"""Training throughput of bertforge against a plain-PyTorch HuggingFace-style step (the same model,
computed the way BertForPreTraining does), same machine, same run, same shapes (seq 128, batch 32,
2 threads). Called by bench_train.sh, which prepares the corpora.

Rows: for each corpus and preset, bertforge in fp32 and bf16, unpacked and packed (data.pack), and
the reference in the plain environment and in its tuned one (OMP_WAIT_POLICY=PASSIVE
MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184); with --ref-bf16-python PY also the
reference with CPU bf16 autocast in its tuned environment, run by PY (a torch 2.x: Debian 12's
1.13 fails under CPU autocast), so that bertforge's bf16 meets the peer's best setting. Measured interleaved, `--rounds` times,
each figure the best round's (the machine is shared and noisy; the best is the least disturbed).
Real tokens are the non-padding positions. The reference pads every example to 128 as HF's
collator does with these examples, so its real tokens/s is its positions/s times the real
fraction bertforge measures on the same corpus unpacked. Model FLOP/s counts the matmuls of the
forward and backward pass (6 x weights x positions, attention 12 x layers x T x hidden per position,
the MLM decoder at the masked positions) against a matmul peak of the same LibTorch/OpenBLAS
measured here (torch.mm, 2 threads)."""
import argparse, json, os, subprocess

PRESETS = {"tiny": (2, 128, 2, 512), "mini": (4, 256, 4, 1024)}
TUNED = {"OMP_WAIT_POLICY": "PASSIVE", "MALLOC_MMAP_MAX_": "0",
         "MALLOC_TRIM_THRESHOLD_": "17179869184"}
SEQ, BATCH = 128, 32
# Every batch padded to 128 (as the reference), to its longest example (bertforge's default), or
# packed (data.pack); all with train.thread_mode auto (the batch split over the threads), and
# padded to 128 once more with the threads splitting each operation ("pad128-ops").
LAYOUTS = ("pad128", "dynamic", "packed", "pad128-ops")


def plain_env():
    return {k: v for k, v in os.environ.items() if k not in TUNED}


def run_bertforge(a, run_dir, preset, precision, variant, binary):
    layers, hidden, heads, inter = PRESETS[preset]
    layout, thread_mode = (variant[:-4], "ops") if variant.endswith("-ops") else (variant, "auto")
    log = os.path.join(run_dir, "logs", "train.jsonl")
    sets = {"run_dir": run_dir, "model.preset": preset, "train.steps": a.steps,
            # The reference is classic BERT: pin the quickstart's recipe keys to it.
            "model.architecture": "bert", "model.intermediate": inter, "model.dropout": 0.1,
            "model.attention_dropout": 0.1, "model.layer_norm_eps": 1e-12, "data.nsp": "true",
            "masking.probability": 0.15, "train.batch_size": BATCH, "data.max_seq_len": SEQ,
            "data.pad_to_max": str(layout == "pad128").lower(),
            "data.pack": str(layout == "packed").lower(),
            "train.precision": precision, "train.threads": a.threads,
            "train.thread_mode": thread_mode, "train.log_every": 5,
            "train.eval_every": 0, "train.save_every": 0, "train.eval_batches": 1}
    args = [binary, "train", "--config", a.config, "--overwrite"]
    for k, v in sets.items():
        args += ["--set", f"{k}={v}"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=plain_env())
    _, status, usage = os.wait4(proc.pid, 0)  # this run's own peak RSS
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit("bertforge train failed: " + " ".join(args))
    rss = usage.ru_maxrss
    body = [json.loads(l) for l in open(log)][1:]  # the first window includes start-up
    mean = lambda k: sum(l[k] for l in body) / len(body)
    return {"tok": mean("tokens_per_sec"), "pos": mean("positions_per_sec"),
            "loss": body[-1]["mlm_loss"], "rss": rss / 1024}


# The reference's kinds: plain and tuned (fp32, Debian's torch), bf16 (tuned, --ref-bf16-python).
def ref_kinds(a):
    return ("plain", "tuned") + (("bf16",) if a.ref_bf16_python else ())


def run_reference(a, preset, vocab, kind):
    layers, hidden, heads, inter = PRESETS[preset]
    env = plain_env()
    if kind != "plain":
        env.update(TUNED)
    python, extra = "/usr/bin/python3", []
    if kind == "bf16":
        python, extra = a.ref_bf16_python, ["--precision", "bf16"]
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([python, os.path.join(here, "bench_train_baseline.py")] + extra + [
                          "--vocab", str(vocab), "--layers", str(layers), "--hidden", str(hidden),
                          "--heads", str(heads), "--intermediate", str(inter), "--batch",
                          str(BATCH), "--seq", str(SEQ), "--threads", str(a.threads),
                          "--steps", str(max(10, a.steps // 3))],
                         check=True, capture_output=True, text=True, env=env).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return {"pos": r["positions_per_sec"], "rss": r["peak_rss_mb"]}


def matmul_peak(threads, dtype):
    code = ("import torch,time,json;torch.set_num_threads(%d);n=1024;"
            "a=torch.randn(n,n).to(torch.%s);b=torch.randn(n,n).to(torch.%s);"
            "[a@b for _ in range(3)];t=time.perf_counter();k=20\n"
            "for _ in range(k): a@b\n"
            "print(json.dumps(2*n**3*k/(time.perf_counter()-t)))" % (threads, dtype, dtype))
    out = subprocess.run(["/usr/bin/python3", "-c", code], check=True, capture_output=True,
                         text=True, env=plain_env()).stdout
    return float(out.strip())


def flops_per_position(preset, vocab, real_fraction, mask_prob=0.15):
    layers, h, heads, inter = PRESETS[preset]
    weights = layers * (4 * h * h + 2 * h * inter) + h * h  # encoder + MLM transform
    attention = 12 * layers * SEQ * h
    decoder = 6 * h * vocab * mask_prob * real_fraction
    return 6 * weights + attention + decoder


def best(samples, key):
    return max(samples, key=lambda s: s[key])


def measure(a, corpus, config, preset, vocab):
    # (precision, layout, build); fp32 pad128 of the first build always (the real fraction).
    layouts = a.layouts.split(",")
    variants = [(p, l, b) for b in a.bins for l in LAYOUTS if l in layouts
                for p in a.precisions.split(",")]
    first = ("fp32", "pad128", next(iter(a.bins)))
    variants = ([] if first in variants else [first]) + variants
    bf = {v: [] for v in variants}
    ref = {k: [] for k in ref_kinds(a)}
    for _ in range(a.rounds):  # interleaved
        for v in variants:
            bf[v].append(run_bertforge(a._replace(config=config),
                                       os.path.join(a.run_dir, corpus, preset), preset, v[0], v[1],
                                       a.bins[v[2]]))
        for kind in ref:
            ref[kind].append(run_reference(a, preset, vocab, kind))
    return {v: best(s, "tok") for v, s in bf.items()}, {t: best(s, "pos") for t, s in ref.items()}


class Args(argparse.Namespace):
    def _replace(self, **kw):
        c = Args(**vars(self))
        for k, v in kw.items():
            setattr(c, k, v)
        return c


def report(rows, peaks):
    bf16_ref = ARGS.ref_bf16_python is not None
    print("\n| corpus | preset | bertforge | real tokens/s | positions/s | MLM loss at the end | "
          "peak RSS | x reference (plain) | x reference (tuned) | " +
          ("x reference (tuned bf16) | " if bf16_ref else "") + "model GFLOP/s | % of matmul peak |")
    print("|---" * (12 if bf16_ref else 11) + "|")
    for corpus, preset, vocab, bf, ref in rows:
        first = next(iter(bf))
        frac = bf[first]["tok"] / bf[first]["pos"]
        ref_tok = {t: r["pos"] * frac for t, r in ref.items()}
        for (prec, layout, build), r in bf.items():
            gflops = r["pos"] * flops_per_position(preset, vocab, r["tok"] / r["pos"]) / 1e9
            peak = peaks["bfloat16" if prec == "bf16" else "float32"]
            name = f"{prec} {layout}" + (f" [{build}]" if len(ARGS.bins) > 1 else "")
            print(f"| {corpus} | {preset} | {name} | {r['tok']:.0f} | "
                  f"{r['pos']:.0f} | {r['loss']:.3f} | {r['rss']:.0f} MB | "
                  f"{r['tok'] / ref_tok['plain']:.2f}x | {r['tok'] / ref_tok['tuned']:.2f}x | " +
                  (f"{r['tok'] / ref_tok['bf16']:.2f}x | " if bf16_ref else "") +
                  f"{gflops:.1f} | {100 * gflops * 1e9 / peak:.0f}% |")
        for kind, r in ref.items():
            print(f"| {corpus} | {preset} | reference ({'tuned bf16' if kind == 'bf16' else kind}) | "
                  f"{ref_tok[kind]:.0f} | {r['pos']:.0f} | | {r['rss']:.0f} MB | | | " +
                  ("| " if bf16_ref else "") + "| |")
    print("\nmatmul peak (torch.mm 1024, %s threads): fp32 %.1f GFLOP/s, bf16 %.1f GFLOP/s" %
          (rows and ARGS.threads, peaks["float32"] / 1e9, peaks["bfloat16"] / 1e9))


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="bertforge, or NAME=PATH,NAME=PATH,... to "
                    "compare builds (e.g. before=/tmp/old/bertforge,after=build/bertforge)")
    ap.add_argument("--layouts", default=",".join(LAYOUTS), help="a subset of " + ",".join(LAYOUTS))
    ap.add_argument("--corpora", required=True, help="name=config.json,... (prepared run dirs)")
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--vocab", type=int, required=True)
    ap.add_argument("--presets", default="tiny,mini")
    ap.add_argument("--precisions", default="fp32,bf16")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ref-bf16-python", default=None,
                    help="a python with torch 2.x (e.g. build-pip/venv/bin/python): adds the "
                         "reference with CPU bf16 autocast")
    a = ap.parse_args(namespace=Args())
    a.bins = dict(b.split("=", 1) if "=" in b else ("bertforge", b) for b in a.bin.split(","))
    ARGS = a
    peaks = {d: matmul_peak(a.threads, d) for d in ("float32", "bfloat16")}
    rows = []
    for item in a.corpora.split(","):
        corpus, config = item.split("=", 1)
        for preset in a.presets.split(","):
            bf, ref = measure(a, corpus, config, preset, a.vocab)
            rows.append((corpus, preset, a.vocab, bf, ref))
            print(f"{corpus} {preset}: " + ", ".join(
                f"{p} {l} {b} {r['tok']:.0f} tok/s" for (p, l, b), r in bf.items()) +
                  "; reference " + " / ".join(f"{k} {r['pos']:.0f}" for k, r in ref.items()) +
                  " pos/s",
                  flush=True)
    report(rows, peaks)


if __name__ == "__main__":
    main()
