#!/usr/bin/python3
"""End-to-end tests of data-parallel training (c10d TCPStore + Gloo) on loopback.

Run by ctest as: /usr/bin/python3 tests/e2e/distributed_test.py --bin BERTFORGE --source SRC
Exit status 0 when every scenario passes. Debian's python3 with numpy; nothing else.

Scenarios:
  equivalence  2 ranks x batch b == 1 rank x batch 2b: per-step loss (rel 1e-5), final weights
  kill         SIGKILL rank 1 mid-run: rank 0 exits non-zero within train.dist_timeout_sec
  no_peer      rank 0 of 2 alone: exits non-zero within the timeout, naming the rendezvous
  resume       2 ranks to step N, relaunched with --resume auto to 2N == uninterrupted 2N run
  reshape      2 ranks to step N, resumed on 1 rank: train.grad_accum 1 -> 2 keeps the global
               batch, steps N+1..2N match the uninterrupted 2-rank run (rel 1e-5); a grad_accum
               that cannot keep it is refused (exit 2, naming train.grad_accum)
  torchrun     torchrun --nproc_per_node 2 --no-python BIN train (agent store) == the 2-rank run
  elastic      torchrun --max_restarts 1 ... train --resume auto, rank 1's worker SIGKILLed after
               a checkpoint: the group restarts, resumes from the newest checkpoint and ends with
               losses and weights bit-identical to an uninterrupted 2-rank run
  same_pid     2 ranks that both have pid 1 (own PID namespaces, as in two containers) sharing one
               run directory, 5 launches: every one finishes (needs root and unshare; else skipped)
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402  (torchrun_command)

ARGS = None
WORK = None
TIMEOUT = 120  # seconds any single bertforge process may take before the test calls it hung

# ----------------------------------------------------------------------------------------------
# helpers


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_corpus(path, docs=300, seed=1234):
    rng = random.Random(seed)
    words = [
        ["the", "a", "every", "one", "that"],
        ["cat", "dog", "farmer", "child", "king", "river", "horse", "bird", "teacher", "ship"],
        ["saw", "found", "followed", "loved", "carried", "watched", "helped", "heard"],
        ["in the morning", "near the house", "by the river", "at night", "across the field",
         "with great care", "before the storm", "after dinner"],
        ["old", "small", "happy", "quiet", "brave", "tired", "young", "strange"],
    ]

    def sentence():
        p = lambda k: rng.choice(words[k])  # noqa: E731
        s = " ".join([p(0), p(4), p(1), p(2), p(0), p(1), p(3)]) + "."
        return s[0].upper() + s[1:]

    with open(path, "w") as f:
        for d in range(docs):
            if d:
                f.write("\n")
            for _ in range(3 + rng.randrange(10)):
                f.write(sentence() + "\n")


def config(run_dir, **train):
    t = {"steps": 12, "batch_size": 4, "lr": 0.002, "warmup_steps": 3, "schedule": "linear",
         "log_every": 1, "eval_every": 0, "eval_batches": 2, "save_every": 0, "keep_last": 3,
         "threads": 1, "dist_timeout_sec": 30,
         "precision": "fp32"}  # equivalence compares losses to 1e-5, below bf16's rounding
    t.update(train)
    return {
        "run_dir": run_dir,
        "seed": 7,
        "tokenizer": {"vocab_size": 90, "type": "unigram", "byte_fallback": False},
        "data": {"train_files": [os.path.join(WORK, "corpus.txt")], "valid_fraction": 0.1,
                 "max_seq_len": 48, "threads": 1, "nsp": True},
        "model": {"preset": "tiny", "layers": 2, "hidden": 32, "heads": 2, "intermediate": 64,
                  "max_position": 64, "dropout": 0.0, "attention_dropout": 0.0},
        "train": t,
    }


def new_run(name, **train):
    """A run directory holding a copy of the prepared tokenizer/ and data/, and its config."""
    run_dir = os.path.join(WORK, name)
    os.makedirs(run_dir)
    for sub in ("tokenizer", "data"):
        shutil.copytree(os.path.join(WORK, "prepared", sub), os.path.join(run_dir, sub))
    cfg_path = os.path.join(WORK, name + ".json")
    with open(cfg_path, "w") as f:
        json.dump(config(run_dir, **train), f, indent=1)
    return run_dir, cfg_path


def clean_env():
    env = dict(os.environ)
    for k in list(env):
        if k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                 "MASTER_PORT", "GROUP_RANK") or k.startswith("SLURM_") or \
                k.startswith("TORCHELASTIC_"):
            del env[k]
    return env


class Proc:
    def __init__(self, argv, env, log_prefix):
        self.out_path = log_prefix + ".out"
        self.err_path = log_prefix + ".err"
        self.argv = argv
        self._out = open(self.out_path, "w")
        self._err = open(self.err_path, "w")
        self.p = subprocess.Popen(argv, env=env, stdout=self._out, stderr=self._err,
                                  stdin=subprocess.DEVNULL)

    def wait(self, timeout=TIMEOUT):
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            self.close()
            raise AssertionError("%s did not finish within %ds\n%s" %
                                 (" ".join(self.argv), timeout, self.output()))
        self.close()
        return rc

    def close(self):
        self._out.close()
        self._err.close()

    def output(self):
        text = ""
        for p in (self.out_path, self.err_path):
            with open(p, errors="replace") as f:
                text += f.read()
        return text


def bertforge(*args, env=None, tag="cmd"):
    """Runs bertforge to completion; raises when it fails."""
    p = Proc([ARGS.bin] + list(args), env or clean_env(), os.path.join(WORK, tag))
    rc = p.wait()
    if rc != 0:
        raise AssertionError("bertforge %s exited %d:\n%s" % (" ".join(args), rc, p.output()))
    return p.output()


def launch_ranks(cfg_path, world, extra=(), port=None, tag="ranks", ranks=None, wrap=()):
    port = port or free_port()
    procs = []
    for r in (range(world) if ranks is None else ranks):
        env = clean_env()
        env.update(RANK=str(r), WORLD_SIZE=str(world), LOCAL_RANK=str(r),
                   MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        argv = list(wrap) + [ARGS.bin, "train", "--config", cfg_path] + list(extra)
        procs.append(Proc(argv, env, os.path.join(WORK, "%s.rank%d" % (tag, r))))
    return procs


def run_ranks(cfg_path, world, extra=(), tag="ranks", wrap=()):
    procs = launch_ranks(cfg_path, world, extra, tag=tag, wrap=wrap)
    rcs = [p.wait() for p in procs]
    if any(rcs):
        raise AssertionError("ranks exited %s:\n%s" % (rcs, "\n".join(
            "--- rank %d ---\n%s" % (i, p.output()) for i, p in enumerate(procs))))
    return [p.output() for p in procs]


def train_log(run_dir):
    with open(os.path.join(run_dir, "logs", "train.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    dtypes = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64,
              "I32": np.int32}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[base + a:base + b],
                                  dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return out


def exported_weights(run_dir, tag):
    out_dir = os.path.join(WORK, tag + "-export")
    bertforge("export", "--checkpoint", os.path.join(run_dir, "final"), "--out", out_dir,
              tag=tag + "-export")
    return read_safetensors(os.path.join(out_dir, "model.safetensors"))


def compare_losses(a, b, rel, what):
    steps_a, steps_b = [x["step"] for x in a], [x["step"] for x in b]
    assert steps_a == steps_b, "%s: logged steps differ: %s vs %s" % (what, steps_a, steps_b)
    worst = 0.0
    for x, y in zip(a, b):
        for key in ("loss", "mlm_loss", "nsp_loss"):
            d = abs(x[key] - y[key]) / max(abs(y[key]), 1e-12)
            worst = max(worst, d)
            assert d <= rel, "%s: step %d %s %.9g vs %.9g (rel %.3g > %.3g)" % (
                what, x["step"], key, x[key], y[key], d, rel)
    return worst


def compare_weights(wa, wb, what, atol=1e-5, rtol=1e-4):
    assert sorted(wa) == sorted(wb), "%s: tensor names differ" % what
    worst = 0.0
    for name in wa:
        a, b = wa[name].astype(np.float64), wb[name].astype(np.float64)
        assert a.shape == b.shape, "%s: %s shape %s vs %s" % (what, name, a.shape, b.shape)
        if not np.allclose(a, b, rtol=rtol, atol=atol):
            raise AssertionError("%s: %s differs (max abs diff %.3g)" %
                                 (what, name, np.abs(a - b).max()))
        worst = max(worst, float(np.abs(a - b).max()))
    return worst


# ----------------------------------------------------------------------------------------------
# scenarios

RESULTS = {}


def prepare():
    write_corpus(os.path.join(WORK, "corpus.txt"))
    run_dir = os.path.join(WORK, "prepared")
    cfg_path = os.path.join(WORK, "prepared.json")
    with open(cfg_path, "w") as f:
        json.dump(config(run_dir), f, indent=1)
    bertforge("tokenizer", "--config", cfg_path, tag="tokenizer")
    bertforge("prepare", "--config", cfg_path, tag="prepare")


def test_equivalence():
    b = 4
    two, two_cfg = new_run("eq-2ranks", batch_size=b)
    one, one_cfg = new_run("eq-1rank", batch_size=2 * b)
    outs = run_ranks(two_cfg, 2, tag="eq-2ranks")
    bertforge("train", "--config", one_cfg, tag="eq-1rank")
    assert "global batch 4 x 1 accum x 2 ranks = 8 examples" in outs[0], \
        "rank 0 does not state the global batch:\n" + outs[0]
    la, lb = train_log(two), train_log(one)
    assert len(la) == 12, "2-rank run logged %d lines, expected 12" % len(la)
    worst_loss = compare_losses(la, lb, 1e-5, "2 ranks x %d vs 1 rank x %d" % (b, 2 * b))
    # The same examples: token counts per step agree exactly.
    assert [x["tokens_seen"] for x in la] == [x["tokens_seen"] for x in lb], "tokens_seen differ"
    worst_w = compare_weights(exported_weights(two, "eq-2ranks"), exported_weights(one, "eq-1rank"),
                              "final weights")
    # Sanity: the check can fail: 1 rank x b (half the examples) gives other losses.
    half, half_cfg = new_run("eq-1rank-half", batch_size=b)
    bertforge("train", "--config", half_cfg, tag="eq-1rank-half")
    try:
        compare_losses(train_log(half), lb, 1e-5, "control")
    except AssertionError:
        pass
    else:
        raise AssertionError("control: 1 rank x %d matches 1 rank x %d; the comparison is blind"
                             % (b, 2 * b))
    # Only rank 0 writes: the run directory holds one log and one final model.
    assert os.path.isdir(os.path.join(two, "final")), "no final/ from the 2-rank run"
    RESULTS["equivalence"] = "12 steps, worst loss rel diff %.2g, worst weight abs diff %.2g" % (
        worst_loss, worst_w)
    return la


def test_kill():
    timeout = 20
    run_dir, cfg = new_run("kill", steps=100000, dist_timeout_sec=timeout, batch_size=4)
    procs = launch_ranks(cfg, 2, tag="kill")
    log_path = os.path.join(run_dir, "logs", "train.jsonl")
    deadline = time.time() + 60
    while time.time() < deadline:
        if any(p.p.poll() is not None for p in procs):
            break
        if os.path.exists(log_path) and os.path.getsize(log_path) > 0:
            break
        time.sleep(0.05)
    for p in procs:
        if p.p.poll() is not None:
            for q in procs:
                q.p.kill()
                q.wait()
            raise AssertionError("a rank exited before training started:\n" + procs[0].output() +
                                 procs[1].output())
    assert os.path.getsize(log_path) > 0, "rank 0 logged no step within 60s"
    t0 = time.time()
    procs[1].p.send_signal(signal.SIGKILL)
    procs[1].wait()
    try:
        rc = procs[0].p.wait(timeout=timeout + 40)
    except subprocess.TimeoutExpired:
        procs[0].p.kill()
        procs[0].wait()
        raise AssertionError("rank 0 still running %ds after rank 1 was killed (hang)" %
                             (timeout + 40))
    elapsed = time.time() - t0
    procs[0].close()
    out = procs[0].output()
    assert rc != 0, "rank 0 exited 0 after its peer died:\n" + out
    assert elapsed <= timeout + 10, "rank 0 took %.1fs to notice (timeout %ds)" % (elapsed, timeout)
    low = out.lower()
    assert "rank 0" in low and ("died" in low or "timed out" in low or "closed" in low), \
        "rank 0's error does not name the failure:\n" + out
    err_line = [l for l in out.splitlines() if "error" in l.lower()]
    RESULTS["kill"] = "rank 0 exited %d after %.1fs: %s" % (
        rc, elapsed, (err_line[-1] if err_line else out.strip().splitlines()[-1])[:160])


def wait_for_training(procs, log_path, limit=60):
    deadline = time.time() + limit
    while time.time() < deadline:
        if any(p.p.poll() is not None for p in procs):
            break
        if os.path.exists(log_path) and os.path.getsize(log_path) > 0:
            return
        time.sleep(0.05)
    for q in procs:
        q.p.kill()
        q.wait()
    raise AssertionError("training did not start (or a rank exited) within %ds:\n%s" % (
        limit, "".join(q.output() for q in procs)))


def test_stall():
    """A rank that stops answering (SIGSTOP) without closing its sockets: the timeout path."""
    timeout = 6
    run_dir, cfg = new_run("stall", steps=100000, dist_timeout_sec=timeout)
    procs = launch_ranks(cfg, 2, tag="stall")
    wait_for_training(procs, os.path.join(run_dir, "logs", "train.jsonl"))
    t0 = time.time()
    procs[1].p.send_signal(signal.SIGSTOP)
    try:
        rc = procs[0].p.wait(timeout=timeout + 40)
    except subprocess.TimeoutExpired:
        procs[0].p.kill()
        rc = None
    elapsed = time.time() - t0
    procs[0].wait()
    procs[1].p.kill()
    procs[1].wait()
    out = procs[0].output()
    assert rc is not None, "rank 0 still running %ds after rank 1 stalled (hang)" % (timeout + 40)
    assert rc != 0, "rank 0 exited 0 while its peer stalled:\n" + out
    assert timeout - 1 <= elapsed <= timeout + 15, \
        "rank 0 gave up after %.1fs, train.dist_timeout_sec is %ds" % (elapsed, timeout)
    assert "rank 0" in out and "timed out" in out.lower(), "no clear timeout error:\n" + out
    RESULTS["stall"] = "rank 0 exited %d after %.1fs (timeout %ds)" % (rc, elapsed, timeout)


def test_no_peer():
    timeout = 5
    run_dir, cfg = new_run("nopeer", dist_timeout_sec=timeout)
    t0 = time.time()
    (p,) = launch_ranks(cfg, 2, tag="nopeer", ranks=[0])
    rc = p.wait(timeout=timeout + 60)
    elapsed = time.time() - t0
    out = p.output()
    assert rc != 0, "rank 0 without its peer exited 0:\n" + out
    assert elapsed <= timeout + 15, "rank 0 alone took %.1fs to give up (timeout %ds)" % (
        elapsed, timeout)
    assert "rank 0" in out and "127.0.0.1" in out, "no clear rendezvous error:\n" + out
    RESULTS["no_peer"] = "rank 0 alone exited %d after %.1fs" % (rc, elapsed)


def test_resume():
    n = 6
    common = dict(steps=n, save_every=3, schedule="constant", warmup_steps=0, batch_size=4)
    run_dir, cfg = new_run("resume", **common)
    run_ranks(cfg, 2, tag="resume-first")
    first = train_log(run_dir)
    assert [x["step"] for x in first] == list(range(1, n + 1)), "first leg steps: %s" % first
    assert os.path.isdir(os.path.join(run_dir, "checkpoints", "step-%d" % n))
    outs = run_ranks(cfg, 2, ["--resume", "auto", "--set", "train.steps=%d" % (2 * n)],
                     tag="resume-second")
    for r, o in enumerate(outs):
        assert "resumed from" in o and "step %d" % n in o, \
            "rank %d did not resume from step %d:\n%s" % (r, n, o)
    resumed = train_log(run_dir)
    ref_dir, ref_cfg = new_run("resume-ref", **dict(common, steps=2 * n))
    run_ranks(ref_cfg, 2, tag="resume-ref")
    ref = train_log(ref_dir)
    assert [x["step"] for x in resumed] == list(range(1, 2 * n + 1)), \
        "resumed train.jsonl steps: %s" % [x["step"] for x in resumed]
    assert resumed[:n] == first, "the resumed run rewrote the first leg's log lines"
    compare_losses(resumed, ref, 0.0, "resumed vs uninterrupted")
    compare_weights(exported_weights(run_dir, "resume"), exported_weights(ref_dir, "resume-ref"),
                    "resumed vs uninterrupted weights", atol=0, rtol=0)
    RESULTS["resume"] = "steps 1-%d then %d-%d identical to an uninterrupted run" % (
        n, n + 1, 2 * n)


def test_reshape():
    n = 6
    common = dict(steps=n, save_every=3, schedule="constant", warmup_steps=0, batch_size=4)
    run_dir, cfg = new_run("reshape", **common)
    run_ranks(cfg, 2, tag="reshape-first")
    bad = subprocess.run([ARGS.bin, "train", "--config", cfg, "--resume", "auto", "--set",
                          "train.steps=%d" % (2 * n), "--set", "train.grad_accum=3"],
                         env=clean_env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert bad.returncode == 2 and "train.grad_accum" in bad.stderr and "4 x 1 accum x 2 ranks" \
        in bad.stderr, "grad_accum 3 on 1 rank not refused: %d\n%s" % (bad.returncode, bad.stderr)
    out = bertforge("train", "--config", cfg, "--resume", "auto", "--set",
                    "train.steps=%d" % (2 * n), tag="reshape-second")
    assert "train.grad_accum 1 -> 2" in out, "no grad_accum line:\n" + out
    resumed = train_log(run_dir)
    ref_dir, ref_cfg = new_run("reshape-ref", **dict(common, steps=2 * n))
    run_ranks(ref_cfg, 2, tag="reshape-ref")
    ref = train_log(ref_dir)
    assert [x["step"] for x in resumed] == list(range(1, 2 * n + 1)), \
        "resumed steps: %s" % [x["step"] for x in resumed]
    assert [x["tokens_seen"] for x in resumed] == [x["tokens_seen"] for x in ref], \
        "the 1-rank leg saw other examples than the 2-rank run"
    worst = compare_losses(resumed, ref, 1e-5, "2 ranks then 1 rank x 2 accum vs 2 ranks")
    worst_w = compare_weights(exported_weights(run_dir, "reshape"),
                              exported_weights(ref_dir, "reshape-ref"), "reshaped vs 2-rank weights")
    RESULTS["reshape"] = ("steps %d-%d on 1 rank (grad_accum 2) vs 2 ranks: worst loss rel diff "
                          "%.2g, weights %.2g" % (n + 1, 2 * n, worst, worst_w))


def find_torchrun():
    """torchrun's argv prefix (see e2e_common.torchrun_command), or None."""
    return e2e_common.torchrun_command(ARGS.source)[0]


def torchrun_argv(torchrun, port, extra=()):
    # Debian's torchrun (torch 1.13 on Python 3.11) crashes on its default --redirects 0 / --tee 0
    # (IntFlag iteration no longer yields Std.NONE): pass non-zero values for both.
    return list(torchrun) + ["--nproc_per_node", "2", "--no_python", "--master_addr", "127.0.0.1",
            "--master_port", str(port), "--redirects", "2", "--tee", "2",
            "--log_dir", os.path.join(WORK, "torchrun-logs-%d" % port)] + list(extra)


def worker_pid(cfg_path, rank):
    """The pid of the bertforge worker of `rank` training with `cfg_path` (from /proc)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
            if cfg_path.encode() not in argv or ARGS.bin.encode() not in argv[0]:
                continue
            with open("/proc/%s/environ" % pid, "rb") as f:
                env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        except OSError:
            continue
        if env.get(b"RANK") == str(rank).encode():
            return int(pid)
    return None


def test_elastic():
    torchrun = find_torchrun()
    if not torchrun:
        RESULTS["elastic"] = "SKIPPED (no torchrun)"
        return
    common = dict(steps=400, save_every=40, keep_last=2, schedule="constant", warmup_steps=0,
                  batch_size=4, dist_timeout_sec=20)
    run_dir, cfg = new_run("elastic", **common)
    port = free_port()
    p = Proc(torchrun_argv(torchrun, port, ["--max_restarts", "1"]) +
             [ARGS.bin, "train", "--config", cfg, "--resume", "auto"],
             clean_env(), os.path.join(WORK, "elastic"))
    first_ckpt = os.path.join(run_dir, "checkpoints", "step-40", "DONE")
    deadline, victim = time.time() + 90, None
    while time.time() < deadline and p.p.poll() is None and victim is None:
        if os.path.exists(first_ckpt):
            victim = worker_pid(cfg, 1)
        time.sleep(0.02)
    assert victim, "no checkpoint or no rank-1 worker within 90 s:\n" + p.output()
    os.kill(victim, signal.SIGKILL)
    rc = p.wait(timeout=300)
    out = p.output()
    assert rc == 0, "torchrun exited %d after one restart:\n%s" % (rc, out)
    resumed = [l for l in out.splitlines() if "resumed from" in l]
    assert resumed, "the restarted workers did not resume from a checkpoint:\n" + out
    log = train_log(run_dir)
    assert [x["step"] for x in log] == list(range(1, 401)), "steps logged: %s" % (
        [x["step"] for x in log][:50])
    ref_dir, ref_cfg = new_run("elastic-ref", **common)
    run_ranks(ref_cfg, 2, tag="elastic-ref")
    compare_losses(log, train_log(ref_dir), 0.0, "restarted vs uninterrupted")
    compare_weights(exported_weights(run_dir, "elastic"), exported_weights(ref_dir, "elastic-ref"),
                    "restarted vs uninterrupted weights", atol=0, rtol=0)
    step = re.search(r"resumed from \S*step-(\d+)", resumed[0])
    RESULTS["elastic"] = "rank 1 killed after step 40's checkpoint; restarted from step %s; " \
        "400 steps bit-identical to an uninterrupted run" % (step.group(1) if step else "?")


def test_torchrun(reference_log):
    torchrun = find_torchrun()
    if not torchrun:
        RESULTS["torchrun"] = "SKIPPED (no torchrun)"
        return
    run_dir, cfg = new_run("torchrun", batch_size=4)
    port = free_port()
    p = Proc(torchrun_argv(torchrun, port) + [ARGS.bin, "train", "--config", cfg],
             clean_env(), os.path.join(WORK, "torchrun"))
    rc = p.wait()
    out = p.output()
    assert rc == 0, "torchrun exited %d:\n%s" % (rc, out)
    for r in range(2):
        assert "rank %d of 2 joined via 127.0.0.1:%d (torchrun agent store)" % (r, port) in out, \
            "rank %d did not join through torchrun's agent store:\n%s" % (r, out)
    compare_losses(train_log(run_dir), reference_log, 1e-5, "torchrun vs plain 2-rank launch")
    RESULTS["torchrun"] = "agent store: losses match the plain 2-rank launch (%s)" % \
        e2e_common.torchrun_command(ARGS.source)[1]


def test_same_pid():
    # Containers give every rank its own PID namespace, so both ranks often have the same pid. Files
    # the ranks write into the shared run directory must not collide on pid-named temp paths.
    unshare = shutil.which("unshare")
    wrap = [unshare, "--pid", "--fork", "--kill-child"] if unshare else []
    if os.geteuid() != 0 or not unshare or subprocess.run(
            wrap + ["sh", "-c", "test $$ = 1"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL).returncode != 0:
        RESULTS["same_pid"] = "SKIPPED (needs root and unshare --pid)"
        return
    launches = int(os.environ.get("SAME_PID_LAUNCHES", "5"))
    for i in range(launches):
        run_dir, cfg = new_run("same-pid-%d" % i, steps=2, batch_size=4)
        outs = run_ranks(cfg, 2, tag="same-pid-%d" % i, wrap=wrap)
        assert "rank 1 of 2 joined" in outs[1], "rank 1 did not join:\n" + outs[1]
        assert os.path.isdir(os.path.join(run_dir, "final")), "no final/ in " + run_dir
        leftovers = [n for n in os.listdir(run_dir) if ".tmp-" in n]
        assert not leftovers, "temporary files left in %s: %s" % (run_dir, leftovers)
    RESULTS["same_pid"] = "%d launches of 2 ranks with pid 1 each, all finished" % launches


def main():
    global ARGS, WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--source", default=os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    ap.add_argument("--only", nargs="*", help="scenarios to run (default: all)")
    ARGS = ap.parse_args()
    ARGS.bin = os.path.abspath(ARGS.bin)
    WORK = tempfile.mkdtemp(prefix="bertforge-dist-")
    keep = bool(os.environ.get("BERTFORGE_KEEP_TEST_DIRS"))
    t_all = time.time()
    failed = []
    try:
        prepare()
        ref = None
        scenarios = [("equivalence", test_equivalence), ("kill", test_kill),
                     ("stall", test_stall), ("no_peer", test_no_peer), ("resume", test_resume),
                     ("reshape", test_reshape),
                     ("torchrun", lambda: test_torchrun(ref)), ("elastic", test_elastic), ("same_pid", test_same_pid)]
        for name, fn in scenarios:
            if ARGS.only and name not in ARGS.only:
                continue
            if name == "torchrun" and ref is None:
                ref_dir, ref_cfg = new_run("torchrun-ref", batch_size=4)
                run_ranks(ref_cfg, 2, tag="torchrun-ref")
                ref = train_log(ref_dir)
            t = time.time()
            try:
                r = fn()
                if name == "equivalence":
                    ref = r
                print("PASS %-12s %5.1fs  %s" % (name, time.time() - t, RESULTS.get(name, "")))
            except Exception:  # noqa: BLE001
                failed.append(name)
                print("FAIL %-12s %5.1fs" % (name, time.time() - t))
                traceback.print_exc()
            sys.stdout.flush()
    finally:
        if keep or failed:
            print("work directory kept: " + WORK)
        else:
            shutil.rmtree(WORK, ignore_errors=True)
    print("%d scenario(s) failed: %s" % (len(failed), failed) if failed else "all passed",
          "(%.1fs)" % (time.time() - t_all))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
