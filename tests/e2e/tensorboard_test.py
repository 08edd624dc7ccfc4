#!/usr/bin/python3
"""End-to-end test of the TensorBoard event files (run_dir/logs/tensorboard/), at tiny size.

Run by ctest as: /usr/bin/python3 tests/e2e/tensorboard_test.py --bin BERTFORGE --source SRC
Exit status 0 when every check passes. Debian's python3 only (TensorBoard is not packaged).

The event files are read by code in this file only (no code shared with the C++ writer):
  - TFRecord framing: uint64 length, masked CRC-32C of the length bytes, data, masked CRC-32C of
    the data; the CRC is a bit-by-bit CRC-32C written here (checked against the standard check
    value of "123456789");
  - the tensorflow.Event protobuf decoded with a generic wire-format parser that checks each
    field's wire type (field numbers from event.proto / summary.proto: wall_time 1 fixed64, step 2
    varint, file_version 3, summary 5, session_log 7; Summary.value 1; Value.tag 1,
    Value.simple_value 2 fixed32; SessionLog.status 1, START = 1).
The folder must hold exactly one event file after every start, whose points equal train.jsonl and
eval.jsonl (as float32) without relying on TensorBoard's purge rules (newer TensorBoards ignore
SessionLog START). Scenarios: a fresh run; a resume from an older checkpoint (the abandoned steps
are gone); a resume with train.tensorboard=false from an older checkpoint, then one with it on;
--overwrite with NSP off (a fresh folder, no NSP curves); train.tensorboard=false on a fresh run.
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
    """Protobuf wire format -> list of (field number, wire type, value): ints for varints, bytes
    for length-delimited, raw 8/4 bytes for fixed64/fixed32."""
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
        out.append((number, wire, value))
    return out


WIRE = {1: 1, 2: 0, 3: 2, 5: 2, 7: 2}  # Event field -> wire type (event.proto)


def events(path):
    """Yields dicts: wall_time, step, and one of file_version / scalars {tag: value} / start."""
    for body in records(path):
        ev = {"step": 0}
        for number, wire, value in fields(body):
            check(WIRE.get(number) == wire, "%s: Event field %d has wire type %d" %
                  (path, number, wire))
            if number == 1:
                ev["wall_time"] = struct.unpack("<d", value)[0]
            elif number == 2:
                ev["step"] = value
            elif number == 3:
                ev["file_version"] = value.decode()
            elif number == 5:
                scalars = {}
                for n, w, v in fields(value):
                    check((n, w) == (1, 2), "Summary field %d wire %d" % (n, w))
                    parts = {num: (wt, val) for num, wt, val in fields(v)}
                    check(parts[1][0] == 2 and parts[2][0] == 5, "Summary.Value wire types")
                    scalars[parts[1][1].decode()] = struct.unpack("<f", parts[2][1])[0]
                ev["scalars"] = scalars
            elif number == 7:
                status = [(w, v) for n, w, v in fields(value) if n == 1]
                check(status and status[0][0] == 0, "SessionLog.status wire type")
                ev["start"] = status[0][1] == 1
        yield ev


def load(logdir, purge=True):
    """{tag: [(step, value)]} in file order, files in name order; a SessionLog START at step s
    drops the points loaded so far at steps >= s (the older TensorBoard's rule)."""
    series = {}
    files = sorted(glob.glob(os.path.join(logdir, "*tfevents*")))
    for path in files:
        evs = list(events(path))
        check(evs and evs[0].get("file_version") == "brain.Event:2",
              "%s: the first event is not file_version brain.Event:2" % path)
        for ev in evs[1:]:
            if ev.get("start") and purge:
                for tag in series:
                    series[tag] = [(s, v) for s, v in series[tag] if s < ev["step"]]
            for tag, value in ev.get("scalars", {}).items():
                series.setdefault(tag, []).append((ev["step"], value))
    return series


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

    def expect_same(label, skip=(), gap=(0, 0)):
        """One event file whose points equal the .jsonl logs (less the steps in the open-closed
        range `gap`, logged while TensorBoard was off), read with and without START purging."""
        files = sorted(glob.glob(os.path.join(logdir, "*tfevents*")))
        check(len(files) == 1, "%s: %d event files, expected 1: %s" % (label, len(files), files))
        want = expected(train_jsonl, "train", skip)
        want.update(expected(eval_jsonl, "eval", skip))
        want = {t: [(st, v) for st, v in pts if not gap[0] < st <= gap[1]] for t, pts in want.items()}
        want = {t: pts for t, pts in want.items() if pts}
        for purge in (True, False):
            series = load(logdir, purge)
            check(sorted(series) == sorted(want), "%s: tags %s, expected %s" %
                  (label, sorted(series), sorted(want)))
            for tag in want:
                check(series[tag] == want[tag], "%s (purge %s): %s is %s, expected %s" %
                      (label, purge, tag, series[tag], want[tag]))
        return load(logdir, True)

    def steps(series, tag="train/loss"):
        return [st for st, _ in series[tag]]

    bertforge("pipeline", "--config", j("config.json"))
    series = expect_same("fresh run")
    for tag in ("train/loss", "train/mlm_loss", "train/nsp_loss", "train/mlm_accuracy", "train/lr",
                "train/grad_norm", "train/tokens_per_sec", "eval/mlm_loss", "eval/perplexity",
                "eval/mlm_accuracy", "eval/nsp_accuracy"):
        check(tag in series, "no %s in the event file (tags: %s)" % (tag, sorted(series)))
    check(steps(series) == list(range(2, 21, 2)), "train/loss steps %s" % steps(series))
    ok("a fresh run: one file, its scalars equal train.jsonl and eval.jsonl")

    # Resume from the older checkpoint (step 10) and go on to 24: steps 12-20 are abandoned.
    bertforge("train", "--config", j("config.json"), "--set", "train.steps=24",
              "--resume", j("run", "checkpoints", "step-10"))
    series = expect_same("resumed from step 10")
    check(steps(series) == list(range(2, 25, 2)), "train/loss steps %s" % steps(series))
    ok("a resume from an older checkpoint: one file without the abandoned steps")

    # With TensorBoard off, a resume from step 20 still drops the later points (22, 24); turned on
    # again, the run appends, and the steps logged while it was off are simply missing.
    bertforge("train", "--config", j("config.json"), "--set", "train.steps=30",
              "--set", "train.tensorboard=false", "--resume", j("run", "checkpoints", "step-20"))
    series = expect_same("resumed from step 20 with TensorBoard off", gap=(20, 30))
    check(steps(series) == list(range(2, 21, 2)), "train/loss steps %s" % steps(series))
    bertforge("train", "--config", j("config.json"), "--set", "train.steps=36", "--resume", "auto")
    series = expect_same("resumed again with TensorBoard on", gap=(20, 30))
    check(steps(series) == list(range(2, 21, 2)) + list(range(32, 37, 2)),
          "train/loss steps %s" % steps(series))
    ok("train.tensorboard=false on a resume drops abandoned points; on again, it appends")

    bertforge("train", "--config", j("config.json"), "--overwrite", "--set", "train.steps=6",
              "--set", "data.nsp=false")
    series = expect_same("fresh MLM-only run", skip=("nsp_loss", "nsp_accuracy", "nsp_pairs"))
    check(not any("nsp" in tag for tag in series), "an MLM-only run has NSP curves: %s" %
          sorted(series))
    check(steps(series) == [2, 4, 6], "train/loss steps %s" % steps(series))
    ok("a fresh start (--overwrite) replaces the old points; MLM-only runs have no NSP curves")

    bertforge("train", "--config", j("config.json"), "--overwrite", "--set", "train.steps=4",
              "--set", "train.tensorboard=false")
    check(not glob.glob(os.path.join(logdir, "*tfevents*")),
          "train.tensorboard=false still wrote (or kept) event files")
    ok("train.tensorboard=false on a fresh run: no event files")

if __name__ == "__main__":
    sys.exit(main())
