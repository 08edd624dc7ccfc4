#!/usr/bin/python3
"""End-to-end test of the TensorBoard event files (run_dir/logs/tensorboard/), at tiny size.

Run by ctest as: /usr/bin/python3 tests/e2e/tensorboard_test.py --bin BERTFORGE --source SRC
Exit status 0 when every check passes. Debian's python3 only (TensorBoard is not packaged).

The event files are read by code in this file only (no code shared with the C++ writer):
  - TFRecord framing: uint64 length, masked CRC-32C of the length bytes, data, masked CRC-32C of
    the data; the CRC is a bit-by-bit CRC-32C written here (checked against the standard check
    value of "123456789");
  - the tensorflow.Event protobuf decoded with a generic wire-format parser (field numbers from
    event.proto / summary.proto: wall_time 1, step 2, file_version 3, summary 5, session_log 7;
    Summary.value 1; Value.tag 1, Value.simple_value 2; SessionLog.status 1, START = 1);
  - TensorBoard's loading rules applied: files in name order, and a SessionLog START at step s
    drops the points loaded so far at steps >= s.
Checks: a fresh run's scalars equal train.jsonl / eval.jsonl (as float32); a resume from an older
checkpoint adds a file whose START makes the loaded curve equal the rewritten train.jsonl; a fresh
run (--overwrite) removes the old files; train.tensorboard=false writes none; MLM-only runs have no
NSP curves.
"""
import glob
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402

ARGS = None
WORK = None
TIMEOUT = 300


def bertforge(*args, expect=0):
    """Runs the executable; returns (stdout, stderr). Fails unless the exit status is `expect`."""
    return e2e_common.run_bertforge(ARGS.bin, WORK, args, expect, TIMEOUT)


check = e2e_common.check


# ----------------------------------------------------------------------------------------------
# an independent reader

def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        check(pos + 12 <= len(data), "%s: truncated record header at %d" % (path, pos))
        length_bytes = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", length_bytes)
        (length_crc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        check(length_crc == masked(crc32c(length_bytes)), "%s: bad length CRC at %d" % (path, pos))
        body = data[pos + 12:pos + 12 + length]
        check(len(body) == length and pos + 16 + length <= len(data),
              "%s: truncated record at %d" % (path, pos))
        (body_crc,) = struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])
        check(body_crc == masked(crc32c(body)), "%s: bad data CRC at %d" % (path, pos))
        yield body
        pos += 16 + length


def varint(buf, pos):
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos


def fields(buf):
    """Protobuf wire format -> list of (field number, value): ints for varints, bytes for
    length-delimited, raw 8/4 bytes for fixed64/fixed32."""
    out, pos = [], 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            n, pos = varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise AssertionError("unexpected wire type %d" % wire)
        out.append((number, value))
    return out


def events(path):
    """Yields dicts: wall_time, step, and one of file_version / scalars {tag: value} / start."""
    for body in records(path):
        ev = {"step": 0}
        for number, value in fields(body):
            if number == 1:
                ev["wall_time"] = struct.unpack("<d", value)[0]
            elif number == 2:
                ev["step"] = value
            elif number == 3:
                ev["file_version"] = value.decode()
            elif number == 5:
                scalars = {}
                for n, v in fields(value):
                    check(n == 1, "Summary field %d" % n)
                    parts = dict(fields(v))
                    scalars[parts[1].decode()] = struct.unpack("<f", parts[2])[0]
                ev["scalars"] = scalars
            elif number == 7:
                ev["start"] = dict(fields(value)).get(1) == 1
            else:
                raise AssertionError("%s: unexpected Event field %d" % (path, number))
        yield ev


def load(logdir):
    """What TensorBoard shows: {tag: [(step, value)]}, files in name order, purged on START."""
    series = {}
    files = sorted(glob.glob(os.path.join(logdir, "*tfevents*")))
    for path in files:
        evs = list(events(path))
        check(evs and evs[0].get("file_version") == "brain.Event:2",
              "%s: the first event is not file_version brain.Event:2" % path)
        for ev in evs[1:]:
            if ev.get("start"):
                for tag in series:
                    series[tag] = [(s, v) for s, v in series[tag] if s < ev["step"]]
            for tag, value in ev.get("scalars", {}).items():
                series.setdefault(tag, []).append((ev["step"], value))
    return files, series


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def expected(jsonl, prefix, skip=()):
    series = {}
    with open(jsonl) as f:
        for line in f:
            obj = json.loads(line)
            for k, v in obj.items():
                if k == "step" or k in skip or isinstance(v, bool) or \
                        not isinstance(v, (int, float)):
                    continue
                series.setdefault(prefix + "/" + k, []).append((obj["step"], f32(v)))
    return series


def write_corpus(path, docs):
    words = ["the cat", "a dog", "one bird", "that horse", "some fish", "every child"]
    verbs = ["saw", "chased", "liked", "found", "fed", "heard"]
    with open(path, "w") as f:
        for d in range(docs):
            for i in range(3 + d % 5):
                s = "%s %s %s near the %s." % (words[(d + i) % 6], verbs[(d * 3 + i) % 6],
                                               words[(d * 5 + 2 * i) % 6], ["mill", "pond"][i % 2])
                f.write(s[0].upper() + s[1:] + "\n")
            f.write("\n")


# ----------------------------------------------------------------------------------------------

def main():
    return e2e_common.run_main("tensorboard", __doc__, globals(), run)


def run(passed):
    def ok(name):
        passed.append(name)
        print("tensorboard_test: ok  %s" % name, flush=True)

    check(crc32c(b"123456789") == 0xE3069283, "the test's own CRC-32C is wrong")
    j = lambda *p: os.path.join(WORK, *p)  # noqa: E731
    write_corpus(j("a.txt"), 120)
    cfg = {"run_dir": j("run"), "seed": 5,
           "tokenizer": {"vocab_size": 45, "byte_fallback": False},
           "data": {"train_files": [j("a.txt")], "valid_fraction": 0.1, "max_seq_len": 32,
                    "threads": 2},
           "model": {"preset": "tiny", "hidden": 32, "heads": 2, "intermediate": 64,
                     "max_position": 32},
           "train": {"steps": 20, "batch_size": 8, "lr": 0.002, "warmup_steps": 2,
                     "log_every": 2, "eval_every": 5, "eval_batches": 2, "save_every": 10,
                     "keep_last": 5, "threads": 2}}
    with open(j("config.json"), "w") as f:
        json.dump(cfg, f)
    logdir = j("run", "logs", "tensorboard")
    train_jsonl, eval_jsonl = j("run", "logs", "train.jsonl"), j("run", "logs", "eval.jsonl")

    def expect_same(series, label, skip=()):
        want = expected(train_jsonl, "train", skip)
        want.update(expected(eval_jsonl, "eval", skip))
        check(sorted(series) == sorted(want), "%s: tags %s, expected %s" %
              (label, sorted(series), sorted(want)))
        for tag in want:
            check(series[tag] == want[tag], "%s: %s is %s, expected %s" %
                  (label, tag, series[tag][:6], want[tag][:6]))

    bertforge("pipeline", "--config", j("config.json"))
    files, series = load(logdir)
    check(len(files) == 1, "a fresh run wrote %d event files: %s" % (len(files), files))
    for tag in ("train/loss", "train/mlm_loss", "train/nsp_loss", "train/mlm_accuracy", "train/lr",
                "train/grad_norm", "train/tokens_per_sec", "eval/mlm_loss", "eval/perplexity",
                "eval/mlm_accuracy", "eval/nsp_accuracy"):
        check(tag in series, "no %s in the event file (tags: %s)" % (tag, sorted(series)))
    check([s for s, _ in series["train/loss"]] == list(range(2, 21, 2)),
          "train/loss steps %s" % [s for s, _ in series["train/loss"]])
    expect_same(series, "fresh run")
    ok("a fresh run's scalars equal train.jsonl and eval.jsonl")

    # Resume from the older checkpoint (step 10) and go on to 24: steps 12-20 of the first file
    # are abandoned; the second file's START at step 11 hides them from TensorBoard.
    bertforge("train", "--config", j("config.json"), "--set", "train.steps=24",
              "--resume", j("run", "checkpoints", "step-10"))
    files, series = load(logdir)
    check(len(files) == 2, "after a resume: %d event files, expected 2" % len(files))
    starts = [ev["step"] for ev in events(files[1]) if ev.get("start")]
    check(starts == [11], "the resumed file's START steps are %s, expected [11]" % starts)
    check([s for s, _ in series["train/loss"]] == list(range(2, 25, 2)),
          "train/loss steps after the resume: %s" % [s for s, _ in series["train/loss"]])
    expect_same(series, "resumed run")
    ok("a resume from an older checkpoint: START at step 11, the loaded curve equals train.jsonl")

    bertforge("train", "--config", j("config.json"), "--overwrite", "--set", "train.steps=6",
              "--set", "data.nsp=false")
    files, series = load(logdir)
    check(len(files) == 1, "--overwrite left %d event files" % len(files))
    check(not any("nsp" in tag for tag in series), "an MLM-only run has NSP curves: %s" %
          sorted(series))
    expect_same(series, "fresh MLM-only run", skip=("nsp_loss", "nsp_accuracy", "nsp_pairs"))
    ok("a fresh start (--overwrite) replaces the old files; MLM-only runs have no NSP curves")

    bertforge("train", "--config", j("config.json"), "--overwrite", "--set", "train.steps=4",
              "--set", "train.tensorboard=false")
    check(not glob.glob(os.path.join(logdir, "*tfevents*")),
          "train.tensorboard=false still wrote (or kept) event files")
    ok("train.tensorboard=false writes none")


if __name__ == "__main__":
    sys.exit(main())
