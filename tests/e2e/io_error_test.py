#!/usr/bin/python3
"""End-to-end test: EIO and EDQUOT at write, fsync and close, on every kind of output.

Run by ctest as: /usr/bin/python3 tests/e2e/io_error_test.py --bin BERTFORGE --source SRC
                 --preload libbf_faultfs.so

disk_full_test.py fails writes with EFBIG (RLIMIT_FSIZE) and ENOSPC (a full tmpfs); neither makes
a quota error (EDQUOT), a device error (EIO), or an error that shows only when the data is flushed
(fsync) or the file closed (close, as on NFS). Here tests/e2e/fault_fs.cpp, preloaded, fails the
chosen call on the chosen file with the chosen errno, and keeps failing it (a full quota or a dead
device does not recover by itself). Cases, one output each:

  a checkpoint's model.safetensors (write), optimizer.pt (fsync), state.json (close), the
  checkpoints/ directory after a checkpoint is renamed into it (fsync), logs/train.jsonl (write),
  the TensorBoard event file (write), the run's config.json (fsync); a shard (fsync) and the
  manifest (write) of `prepare`; the tokenizer model (close); an export over an earlier one
  (fsync) and into a new directory (write).

Each must: exit 1 with exactly one error line naming the file and the errno's message, no sign of
a crash, no partial temporary output left, every earlier output byte-identical (the checkpoints,
the previous data/, tokenizer/ or export); a run resumed without the fault reaches its end.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402
import hf_fixture  # noqa: E402  (only for its corpus writer)

ARGS = None
WORK = None
check = e2e_common.check
MESSAGE = {"EIO": "Input/output error", "EDQUOT": "Disk quota exceeded"}


def bertforge(*args, expect=0):
    return e2e_common.run_bertforge(ARGS.bin, WORK, args, expect, 300)


def faulty(path, op, err, *args):
    """Runs bertforge with every `op` call (write, fsync, close) on files whose path contains
    `path` (or ends with it, if it ends in '$') failing with `err`; returns the CompletedProcess."""
    env = dict(os.environ, LD_PRELOAD=ARGS.preload, BF_FAULT_PATH=path, BF_FAULT_OP=op,
               BF_FAULT_ERRNO=err)
    # Under AddressSanitizer the preloaded library comes before the ASan runtime.
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
    cmd = [ARGS.bin] + [str(a) for a in args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=WORK, env=env)


def check_failed(p, what, err, *needles):
    line = e2e_common.check_one_error(p, 1, MESSAGE[err], *needles)
    left = e2e_common.temp_leftovers(WORK)
    check(not left, "%s: partial output left: %s" % (what, left))
    return line


def write_config(path, run_dir, corpus, steps, tensorboard=False):
    e2e_common.write_tiny_config(path, run_dir, corpus, train={
        "steps": steps, "log_every": 1, "save_every": 10, "keep_last": 5, "keep_best": False,
        "tensorboard": tensorboard})


def digest_kept(before, after):
    """The files of `before` that `after` lost or changed."""
    return [k for k in before if after.get(k) != before[k]]


# ---- training ------------------------------------------------------------------------------------

TRAIN_CASES = [
    # (name, file to fail, op, errno, the path the error line names, relative to the run)
    ("weights", "model.safetensors", "write", "EIO", "checkpoints/step-20/model.safetensors"),
    ("optimizer", "optimizer.pt", "fsync", "EDQUOT", "checkpoints/step-20/optimizer.pt"),
    ("state", "state.json", "close", "EIO", "checkpoints/step-20/state.json"),
    ("ckptdir", "/checkpoints$", "fsync", "EIO", "checkpoints"),
    ("trainlog", "train.jsonl", "write", "EDQUOT", "logs/train.jsonl"),
    ("events", "events.out.tfevents.", "write", "EIO", "logs/tensorboard/events.out.tfevents."),
    ("config", "/config.json", "fsync", "EDQUOT", "config.json"),
]


def train_case(passed, corpus, name, target, op, err, named):
    """Trains `name` to step 10 (one checkpoint), resumes to 20 with the fault, checks the failure
    and the checkpoint of step 10, then resumes to 20 without the fault."""
    run_dir, cfg = os.path.join(WORK, name), os.path.join(WORK, name + ".json")
    tensorboard = name == "events"
    write_config(cfg, run_dir, corpus, 10, tensorboard)
    bertforge("pipeline", "--config", cfg)
    ckpts = os.path.join(run_dir, "checkpoints")
    before = e2e_common.tree_digest(ckpts)

    write_config(cfg, run_dir, corpus, 20, tensorboard)
    p = faulty(target, op, err, "train", "--config", cfg, "--resume", "auto")
    line = check_failed(p, name, err, os.path.join(run_dir, named))
    lost = digest_kept(before, e2e_common.tree_digest(ckpts))
    check(not lost, "%s: the earlier checkpoint changed: %s" % (name, lost))

    bertforge("train", "--config", cfg, "--resume", "auto")
    with open(os.path.join(run_dir, "final", "state.json")) as f:
        check(json.load(f)["step"] == 20, "%s: the resumed run did not reach step 20" % name)
    passed.append("%s %s %s: %s; resumed to 20" % (target, op, err, line))
    return run_dir


# ---- prepare, the tokenizer, export --------------------------------------------------------------

def run_prepare_cases(passed, corpus, big_corpus):
    run_dir, cfg = os.path.join(WORK, "prep"), os.path.join(WORK, "prep.json")
    write_config(cfg, run_dir, corpus, 10)
    bertforge("tokenizer", "--config", cfg)
    bertforge("prepare", "--config", cfg)
    data, tok = os.path.join(run_dir, "data"), os.path.join(run_dir, "tokenizer")
    old_data, old_tok = e2e_common.tree_digest(data), e2e_common.tree_digest(tok)
    bigger = ["--set", "data.train_files=" + big_corpus]
    cases = [("train-00000.bin", "fsync", "EIO"), ("manifest.json", "write", "EDQUOT")]
    for target, op, err in cases:
        p = faulty(target, op, err, "prepare", "--config", cfg, *bigger)
        line = check_failed(p, target, err, os.path.join(data, target))
        check(e2e_common.tree_digest(data) == old_data, "%s: the previous data/ changed" % target)
        passed.append("prepare %s %s %s: %s; previous data/ intact" % (target, op, err, line))
    bertforge("prepare", "--config", cfg, *bigger)

    p = faulty("spm.model", "close", "EIO", "tokenizer", "--config", cfg,
               "--set", "tokenizer.vocab_size=110")
    line = check_failed(p, "tokenizer", "EIO", os.path.join(tok, "spm.model"))
    check(e2e_common.tree_digest(tok) == old_tok, "tokenizer: the previous tokenizer/ changed")
    passed.append("tokenizer spm.model close EIO: %s; previous tokenizer/ intact" % line)


def run_export_cases(passed, checkpoint):
    out = os.path.join(WORK, "export")
    bertforge("export", "--checkpoint", checkpoint, "--out", out)
    old = e2e_common.tree_digest(out)
    p = faulty("model.safetensors", "fsync", "EDQUOT", "export", "--checkpoint", checkpoint,
               "--out", out, "--force")
    line = check_failed(p, "export --force", "EDQUOT", os.path.join(out, "model.safetensors"))
    check(e2e_common.tree_digest(out) == old, "export: the previous export changed")
    passed.append("export --force model.safetensors fsync EDQUOT: %s; previous intact" % line)

    fresh = os.path.join(WORK, "export2")
    p = faulty("config.json", "write", "EIO", "export", "--checkpoint", checkpoint, "--out", fresh)
    line = check_failed(p, "export (new)", "EIO", os.path.join(fresh, "config.json"))
    check(not os.path.exists(fresh), "export: a failed export left its output directory")
    passed.append("export config.json write EIO: %s; no directory left" % line)


def run(passed):
    check(ARGS.preload and os.path.exists(ARGS.preload), "--preload: no fault library given")
    corpus, big_corpus = os.path.join(WORK, "corpus.txt"), os.path.join(WORK, "big.txt")
    hf_fixture.write_corpus(corpus, 60, seed=2)
    hf_fixture.write_corpus(big_corpus, 200, seed=5)
    for case in TRAIN_CASES:
        run_dir = train_case(passed, corpus, *case)
    run_export_cases(passed, os.path.join(run_dir, "final"))
    run_prepare_cases(passed, corpus, big_corpus)


def main():
    return e2e_common.run_main("io_error", __doc__, globals(), run)


if __name__ == "__main__":
    sys.exit(main())
