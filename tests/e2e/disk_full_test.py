#!/usr/bin/python3
"""End-to-end test: every write path fails cleanly when the disk is "full", one path at a time.

Run by ctest as: /usr/bin/python3 tests/e2e/disk_full_test.py --bin BERTFORGE --source SRC

The checkpoint path has its own test (file_size_limit_test.py). Here each other write path is made
to fail under RLIMIT_FSIZE (a write that would make a file larger than the limit fails with EFBIG,
as one onto a full disk fails with ENOSPC): the stage runs once without a limit, then again under a
limit chosen from the sizes just measured so that the target file is the first to cross it:

  train.jsonl, eval.jsonl, a TensorBoard event file, config.json (by `train --resume auto`),
  a shard and the manifest (`prepare`), the tokenizer model (`tokenizer`), an export (`export`).

Each must: exit 1; print exactly one error line naming the file and "File too large"; no crash
(`terminate called`, backtrace, abort); leave no partial temporary output; leave the earlier output
(the checkpoints, the previous data/, tokenizer/ or export, the old config.json) byte-identical;
for training, `--resume auto` finishes the run once the limit is gone, with logs that hold each
step once and no torn line or record.

Where the test runs as root and may mount a tmpfs, the same is done with a real ENOSPC on a small
tmpfs filled to the last page (train, prepare, tokenizer, export); elsewhere that part is skipped
and says so.
"""
import json
import os
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402
import hf_fixture  # noqa: E402  (only for its corpus writer)

ARGS = None
WORK = None
check = e2e_common.check
EFBIG = "File too large"
ENOSPC = "No space left on device"


def bertforge(*args, expect=0):
    return e2e_common.run_bertforge(ARGS.bin, WORK, args, expect, 300)


def limited(limit, *args):
    return e2e_common.run_limited(ARGS.bin, WORK, args, limit)


def write_config(path, run_dir, corpus, steps, log_every=1, eval_every=0, tensorboard=False):
    e2e_common.write_tiny_config(path, run_dir, corpus, train={
        "steps": steps, "log_every": log_every, "eval_every": eval_every, "keep_last": 3,
        "keep_best": False, "tensorboard": tensorboard})


def jsonl_steps(path):
    """The steps of a .jsonl log; every line must be whole JSON (no torn line)."""
    steps = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            check(line.endswith("\n"), "%s:%d: a torn last line" % (path, n))
            steps.append(json.loads(line)["step"])
    return steps


def tfrecord_count(path):
    """The number of TFRecord frames of an event file; its length must be a whole number of frames
    (8-byte length, 4-byte CRC, data, 4-byte CRC), so no torn record is left."""
    with open(path, "rb") as f:
        data = f.read()
    pos = n = 0
    while pos < len(data):
        check(len(data) - pos >= 16, "%s: a torn record at byte %d" % (path, pos))
        (length,) = struct.unpack_from("<Q", data, pos)
        check(pos + 16 + length <= len(data), "%s: a torn record at byte %d" % (path, pos))
        pos += 16 + length
        n += 1
    return n


def event_file(run_dir):
    d = os.path.join(run_dir, "logs", "tensorboard")
    files = [n for n in os.listdir(d) if n.startswith("events.out.tfevents.")]
    check(len(files) == 1, "expected one event file in %s: %s" % (d, files))
    return os.path.join(d, files[0])


def no_leftovers(root, what):
    left = e2e_common.temp_leftovers(root)
    check(not left, "%s: partial output left: %s" % (what, left))


# ---- training: the logs and config.json -----------------------------------------------------------

def train_case(passed, corpus, name, target, limit_of, **log_settings):
    """Trains `name` to step 30 without a limit, resumes to 40 under the limit limit_of(run_dir)
    (which must make `target`, a path relative to the run directory, the first file to cross it),
    checks the failure, then resumes to the end without a limit."""
    run_dir, cfg = os.path.join(WORK, name), os.path.join(WORK, name + ".json")
    write_config(cfg, run_dir, corpus, 30, **log_settings)
    bertforge("pipeline", "--config", cfg)
    limit = limit_of(run_dir)
    ckpts = e2e_common.tree_digest(os.path.join(run_dir, "checkpoints"))
    with open(os.path.join(run_dir, "config.json"), "rb") as f:
        old_config = f.read()

    write_config(cfg, run_dir, corpus, 40, **log_settings)
    p = limited(limit, "train", "--config", cfg, "--resume", "auto")
    line = e2e_common.check_one_error(p, 1, os.path.join(run_dir, target), EFBIG)
    no_leftovers(run_dir, name)
    check(e2e_common.tree_digest(os.path.join(run_dir, "checkpoints")) == ckpts,
          "%s: the checkpoints changed" % name)
    if target != "config.json":
        with open(os.path.join(run_dir, "config.json"), "rb") as f:
            check(f.read() != old_config, "%s: config.json was not rewritten first" % name)
    else:
        with open(os.path.join(run_dir, "config.json"), "rb") as f:
            check(f.read() == old_config, "config.json: the old file was damaged")

    bertforge("train", "--config", cfg, "--resume", "auto")
    with open(os.path.join(run_dir, "final", "state.json")) as f:
        check(json.load(f)["step"] == 40, "%s: the resumed run did not reach step 40" % name)
    passed.append("%s (limit %d): %s; resumed to 40" % (target, limit, line))
    return run_dir


def check_train_logs(run_dir, log_every, eval_every):
    """After the resumed run: each logged step once, in order, and nothing torn."""
    logs = os.path.join(run_dir, "logs")
    if log_every == 1:
        check(jsonl_steps(os.path.join(logs, "train.jsonl")) == list(range(1, 41)),
              "train.jsonl does not hold steps 1..40 once each")
    if eval_every == 1:
        check(jsonl_steps(os.path.join(logs, "eval.jsonl")) == list(range(1, 41)),
              "eval.jsonl does not hold steps 1..40 once each")


def size(path):
    return os.path.getsize(path)


def run_training_cases(passed, corpus):
    # train.jsonl: the only log; the limit is a little above its size at step 30 (~330 bytes a
    # line), so the second or third appended line crosses it, long before the step-40 save.
    r = train_case(passed, corpus, "trainlog", "logs/train.jsonl",
                   lambda d: size(os.path.join(d, "logs", "train.jsonl")) + 700)
    check_train_logs(r, 1, 0)
    # eval.jsonl: evaluated every step, logged every 100 (train.jsonl stays one line).
    r = train_case(passed, corpus, "evallog", "logs/eval.jsonl",
                   lambda d: size(os.path.join(d, "logs", "eval.jsonl")) + 700,
                   log_every=100, eval_every=1)
    check_train_logs(r, 100, 1)
    # The event file holds the train and the eval points, so it is the largest log.
    def tb_limit(d):
        tb, ev = size(event_file(d)), size(os.path.join(d, "logs", "eval.jsonl"))
        check(tb > ev + 1400, "the event file (%d) is not the largest log (%d)" % (tb, ev))
        return tb + 700
    r = train_case(passed, corpus, "tensorboard", "logs/tensorboard/events.out.tfevents.",
                   tb_limit, log_every=1, eval_every=1, tensorboard=True)
    check_train_logs(r, 1, 1)
    check(tfrecord_count(event_file(r)) == 1 + 40 + 40 + 1,
          "the event file does not hold the header, 40 train and 40 eval events and a START")
    # config.json (~2 KB) is written after the logs were opened; they stay under 1000 bytes.
    def config_limit(d):
        check(size(os.path.join(d, "logs", "train.jsonl")) < 1000, "train.jsonl is too large")
        check(size(os.path.join(d, "config.json")) > 1000, "config.json is too small")
        return 1000
    train_case(passed, corpus, "config", "config.json", config_limit, log_every=100)


# ---- prepare, the tokenizer, export --------------------------------------------------------------

def run_prepare_cases(passed, corpus, big_corpus):
    run_dir, cfg = os.path.join(WORK, "prep"), os.path.join(WORK, "prep.json")
    data = os.path.join(run_dir, "data")
    write_config(cfg, run_dir, corpus, 10)
    bertforge("tokenizer", "--config", cfg)
    bertforge("prepare", "--config", cfg)
    old = e2e_common.tree_digest(data)
    check(size(os.path.join(data, "train-00000.bin")) > 5000, "the shard is too small")

    # A shard: the new corpus's first train shard is larger than the limit.
    p = limited(5000, "prepare", "--config", cfg, "--set", "data.train_files=" + big_corpus)
    line = e2e_common.check_one_error(p, 1, os.path.join(data, "train-00000.bin"), EFBIG)
    no_leftovers(run_dir, "prepare (shard)")
    check(e2e_common.tree_digest(data) == old, "prepare (shard): the previous data/ changed")
    passed.append("shard (limit 5000): " + line + "; previous data/ intact")

    # The manifest: with data.shard_tokens=1000 the big corpus makes many small shards and a
    # manifest larger than any; sizes measured on a copy of the run (same inputs, same output).
    sets = ["--set", "data.train_files=" + big_corpus, "--set", "data.shard_tokens=1000"]
    probe = os.path.join(WORK, "probe")
    shutil.copytree(os.path.join(run_dir, "tokenizer"), os.path.join(probe, "tokenizer"))
    bertforge("prepare", "--config", cfg, "--set", "run_dir=" + probe, *sets)
    pdata = os.path.join(probe, "data")
    shard_max = max(size(os.path.join(pdata, n)) for n in os.listdir(pdata) if n.endswith(".bin"))
    manifest = size(os.path.join(pdata, "manifest.json"))
    limit = shard_max + 64
    check(limit < manifest, "the manifest (%d) is not larger than a shard (%d)" %
          (manifest, shard_max))
    p = limited(limit, "prepare", "--config", cfg, *sets)
    line = e2e_common.check_one_error(p, 1, os.path.join(data, "manifest.json"), EFBIG)
    no_leftovers(run_dir, "prepare (manifest)")
    check(e2e_common.tree_digest(data) == old, "prepare (manifest): the previous data/ changed")
    passed.append("manifest (limit %d): %s; previous data/ intact" % (limit, line))
    bertforge("prepare", "--config", cfg, *sets)  # and without the limit it works

    # The tokenizer model (spm.model, ~240 KB): a new vocabulary size redoes the stage.
    tok = os.path.join(run_dir, "tokenizer")
    old = e2e_common.tree_digest(tok)
    check(size(os.path.join(tok, "spm.model")) > 100000, "spm.model is too small")
    p = limited(100000, "tokenizer", "--config", cfg, "--set", "tokenizer.vocab_size=110")
    line = e2e_common.check_one_error(p, 1, os.path.join(tok, "spm.model"), EFBIG)
    no_leftovers(run_dir, "tokenizer")
    check(e2e_common.tree_digest(tok) == old, "tokenizer: the previous tokenizer/ changed")
    passed.append("tokenizer (limit 100000): " + line + "; previous tokenizer/ intact")
    bertforge("tokenizer", "--config", cfg, "--set", "tokenizer.vocab_size=110")


def run_export_cases(passed, checkpoint):
    out = os.path.join(WORK, "export")
    bertforge("export", "--checkpoint", checkpoint, "--out", out)
    old = e2e_common.tree_digest(out)
    check(max(size(os.path.join(out, n)) for n in os.listdir(out)) > 50000, "export too small")
    p = limited(50000, "export", "--checkpoint", checkpoint, "--out", out, "--force")
    line = e2e_common.check_one_error(p, 1, out, EFBIG)
    no_leftovers(WORK, "export --force")
    check(e2e_common.tree_digest(out) == old, "export: the previous export changed")
    fresh = os.path.join(WORK, "export2")
    p = limited(50000, "export", "--checkpoint", checkpoint, "--out", fresh)
    e2e_common.check_one_error(p, 1, fresh, EFBIG)
    no_leftovers(WORK, "export (new)")
    check(not os.path.exists(fresh), "export: a failed export left its output directory")
    passed.append("export (limit 50000): " + line + "; previous export intact, a new one absent")


# ---- a real ENOSPC on a tmpfs ----------------------------------------------------------------------

def mount_tmpfs(path, size_mb):
    """Mounts a tmpfs at `path`; returns None, or why it cannot (not root, mount refused)."""
    if os.geteuid() != 0:
        return "not root"
    os.makedirs(path)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm" % size_mb, "tmpfs", path],
                       capture_output=True, text=True)
    return None if p.returncode == 0 else "mount refused: " + p.stderr.strip()


def fill(path):
    """Fills the file system of `path` to the last byte with the file `path`."""
    with open(path, "wb", buffering=0) as f:
        chunk = 1 << 20
        while chunk:
            try:
                f.write(b"\0" * chunk)
            except OSError:
                chunk //= 2


def run_tmpfs_cases(passed, corpus, big_corpus):
    mnt = os.path.join(WORK, "tmpfs")
    why = mount_tmpfs(mnt, 16)
    if why:
        print("disk_full_test: the tmpfs (real ENOSPC) part is skipped: " + why)
        passed.append("tmpfs part skipped (%s)" % why)
        return
    try:
        run_dir, cfg = os.path.join(mnt, "run"), os.path.join(WORK, "tmpfs.json")
        write_config(cfg, run_dir, corpus, 10)
        bertforge("pipeline", "--config", cfg)
        write_config(cfg, run_dir, corpus, 20)
        before = e2e_common.tree_digest(run_dir)
        filler = os.path.join(mnt, "filler")
        fill(filler)
        runs = {
            "train": ["train", "--config", cfg, "--resume", "auto"],
            "prepare": ["prepare", "--config", cfg, "--set", "data.train_files=" + big_corpus],
            "tokenizer": ["tokenizer", "--config", cfg, "--set", "tokenizer.vocab_size=110"],
            "export": ["export", "--checkpoint", os.path.join(run_dir, "final"), "--out",
                       os.path.join(mnt, "export")],
        }
        for what, args in runs.items():
            p = limited(None, *args)
            e2e_common.check_one_error(p, 1, mnt, ENOSPC)
            no_leftovers(mnt, "tmpfs " + what)
            after = e2e_common.tree_digest(run_dir)
            lost = [k for k in before if after.get(k) != before[k] and not k.startswith("logs/")
                    and k != ".lock"]
            check(not lost, "tmpfs %s: earlier output changed: %s" % (what, lost))
        check(not os.path.exists(os.path.join(mnt, "export")), "tmpfs: a failed export left its dir")
        os.remove(filler)
        bertforge("train", "--config", cfg, "--resume", "auto")
        with open(os.path.join(run_dir, "final", "state.json")) as f:
            check(json.load(f)["step"] == 20, "tmpfs: the resumed run did not reach step 20")
        passed.append("tmpfs ENOSPC: train, prepare, tokenizer, export fail cleanly; resumed")
    finally:
        subprocess.run(["umount", "-l", mnt])


def run(passed):
    corpus, big_corpus = os.path.join(WORK, "corpus.txt"), os.path.join(WORK, "big.txt")
    hf_fixture.write_corpus(corpus, 60, seed=2)
    hf_fixture.write_corpus(big_corpus, 400, seed=5)
    run_training_cases(passed, corpus)
    run_export_cases(passed, os.path.join(WORK, "trainlog", "final"))
    run_prepare_cases(passed, corpus, big_corpus)
    run_tmpfs_cases(passed, corpus, big_corpus)


def main():
    return e2e_common.run_main("disk_full", __doc__, globals(), run)


if __name__ == "__main__":
    sys.exit(main())
