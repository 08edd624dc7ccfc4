#!/usr/bin/python3
"""End-to-end test of domain-adaptive continuation (`--init-from`), at tiny size.

Run by ctest as: /usr/bin/python3 tests/e2e/continue_test.py --bin BERTFORGE --source SRC
Exit status 0 when every check passes. Debian's python3 with numpy; nothing else.

Two synthetic corpora of different vocabularies: A (farm life) and B (sea trade).
  1. `pipeline` on A, with NSP                                     -> RUN_A
  2. `train --init-from RUN_A/final` on B, MLM only (data.nsp false) -> RUN_B
     - B's validation MLM loss of RUN_B is lower than RUN_A's on the same text
     - the tokenizer is RUN_A's (same bytes, same checksums, and B encoded by it gives the
       same token shards as a run that adopts RUN_A's tokenizer explicitly)
     - the NSP head is kept untouched (exported weights equal RUN_A's)
     - RUN_B/final/state.json records init_from (path, checksum, step); step and schedule start
       fresh (the first logged step is not RUN_A's step + something)
  3. a config naming another tokenizer (tokenizer.model) is refused: exit 2, clear message
  4. NSP continuation from an MLM-only model (RUN_B) logs "fresh NSP head"
  5. `train --resume auto` in RUN_B with more steps resumes RUN_B's continuation; init_from kept
  6. `pipeline --resume auto` in RUN_B does the same, and leaves the run's tokenizer and data alone
"""
import glob
import hashlib
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402

read_json = e2e_common.read_json
read_jsonl = e2e_common.read_jsonl
write_grammar_corpus = e2e_common.write_grammar_corpus
FARM = e2e_common.FARM
SEA = e2e_common.SEA

ARGS = None
WORK = None
TIMEOUT = 300  # seconds any single bertforge process may take

STEPS_A = 80
STEPS_B = 60


# ----------------------------------------------------------------------------------------------
# helpers

def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def bertforge(*args, expect=0):
    """Runs the executable; returns (stdout, stderr). Fails unless the exit status is `expect`."""
    return e2e_common.run_bertforge(ARGS.bin, WORK, args, expect, TIMEOUT)


def evaluate(checkpoint, data=None):
    args = ["evaluate", "--checkpoint", checkpoint, "--json"]
    if data:
        args += ["--data", data]
    out, _ = bertforge(*args)
    return json.loads(out)


def safetensors_tensor(path, name):
    """One tensor of a safetensors file, as raw bytes (enough to compare two files' tensors)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    begin, end = json.loads(blob[8:8 + n])[name]["data_offsets"]
    return blob[8 + n + begin:8 + n + end]


def config(name, run_dir, corpus, valid, steps, nsp, extra=None):
    """Writes a tiny config; returns its path."""
    c = {
        "run_dir": run_dir,
        "seed": 11,
        "tokenizer": {"type": "unigram", "vocab_size": 80, "byte_fallback": False},
        "data": {"train_files": [corpus], "valid_files": [valid], "max_seq_len": 48,
                 "nsp": nsp, "threads": 2},
        "model": {"preset": "tiny", "layers": 2, "hidden": 32, "heads": 2, "intermediate": 64,
                  "max_position": 64},
        "train": {"steps": steps, "batch_size": 8, "lr": 0.002, "warmup_steps": 5,
                  "log_every": 5, "eval_every": 0, "eval_batches": 10, "save_every": 20,
                  "keep_last": 3, "threads": 2},
    }
    for key, value in (extra or {}).items():
        section, k = key.split(".")
        c[section][k] = value
    path = os.path.join(WORK, name + ".json")
    with open(path, "w") as f:
        json.dump(c, f, indent=2)
    return path


check = e2e_common.check


# ----------------------------------------------------------------------------------------------
# the scenario (one chain: each step builds on the previous ones)

def main():
    return e2e_common.run_main("continue", __doc__, globals(), run)


def run(passed):
    def ok(name):
        passed.append(name)
        print("continue_test: ok  %s" % name, flush=True)

    j = lambda *p: os.path.join(WORK, *p)  # noqa: E731
    write_grammar_corpus(j("a.txt"), 300, 1, FARM)
    write_grammar_corpus(j("a_valid.txt"), 30, 2, FARM)
    write_grammar_corpus(j("b.txt"), 300, 3, SEA)
    write_grammar_corpus(j("b_valid.txt"), 30, 4, SEA)
    run_a, run_b = j("run_a"), j("run_b")
    cfg_a = config("a", run_a, j("a.txt"), j("a_valid.txt"), STEPS_A, True)
    cfg_b = config("b", run_b, j("b.txt"), j("b_valid.txt"), STEPS_B, False,
                   {"train.lr": 0.001})

    # 1. the starting model, with NSP
    bertforge("pipeline", "--config", cfg_a)
    check(os.path.isfile(j("run_a", "final", "DONE")), "RUN_A has no final model")
    state_a = read_json(j("run_a", "final", "state.json"))
    check(state_a["step"] == STEPS_A, "RUN_A final step %s" % state_a["step"])

    # 2. continue on B, MLM only, from an NSP-trained model
    _, log_b = bertforge("train", "--config", cfg_b, "--init-from", j("run_a", "final"))
    check("init-from" in log_b and "fresh NSP head" not in log_b,
          "RUN_B log does not name its starting point:\n" + log_b[-2000:])
    ok("mlm-only continuation from an NSP model")

    start_on_b = evaluate(j("run_a", "final"), j("b_valid.txt"))
    continued_on_b = evaluate(j("run_b", "final"))
    continued_on_b_file = evaluate(j("run_b", "final"), j("b_valid.txt"))
    print("continue_test: B valid MLM loss: start %.4f -> continued %.4f (%.4f via --data)" %
          (start_on_b["mlm_loss"], continued_on_b["mlm_loss"], continued_on_b_file["mlm_loss"]))
    check(continued_on_b["mlm_loss"] < start_on_b["mlm_loss"] - 0.1,
          "continuation did not lower B's validation loss: %s -> %s" %
          (start_on_b["mlm_loss"], continued_on_b["mlm_loss"]))
    check(continued_on_b_file["mlm_loss"] < start_on_b["mlm_loss"] - 0.1,
          "continuation did not lower B's validation loss (--data)")
    ok("validation loss on B decreased")

    # tokenizer reused: same bytes, same checksums everywhere
    spm_a, spm_b = j("run_a", "tokenizer", "spm.model"), j("run_b", "tokenizer", "spm.model")
    with open(spm_a, "rb") as fa, open(spm_b, "rb") as fb:
        check(fa.read() == fb.read(), "RUN_B's spm.model differs from RUN_A's")
    tok_sum = sha256(spm_a)
    state_b = read_json(j("run_b", "final", "state.json"))
    check(read_json(j("run_b", "tokenizer", "tokenizer.json"))["checksum"] == tok_sum,
          "RUN_B tokenizer.json checksum")
    check(state_b["tokenizer_checksum"] == state_a["tokenizer_checksum"] == tok_sum,
          "tokenizer checksums in state.json: %s vs %s" %
          (state_b["tokenizer_checksum"], state_a["tokenizer_checksum"]))
    # ... and the ids: B's shards equal those of a run that adopts RUN_A's tokenizer explicitly
    run_c = j("run_c")
    cfg_c = config("c", run_c, j("b.txt"), j("b_valid.txt"), STEPS_B, False,
                   {"train.lr": 0.001, "tokenizer.model": spm_a})
    bertforge("tokenizer", "--config", cfg_c)
    bertforge("prepare", "--config", cfg_c)
    shards_b = sorted(os.path.basename(p) for p in glob.glob(j("run_b", "data", "*.bin")))
    shards_c = sorted(os.path.basename(p) for p in glob.glob(j("run_c", "data", "*.bin")))
    check(shards_b and shards_b == shards_c, "shard lists differ: %s vs %s" % (shards_b, shards_c))
    for name in shards_b:
        check(sha256(j("run_b", "data", name)) == sha256(j("run_c", "data", name)),
              "token shard %s differs from one encoded with RUN_A's tokenizer" % name)
    ok("tokenizer reused (bytes, checksums, token ids)")

    # the metadata: where the continuation started from
    init = state_b.get("init_from")
    check(isinstance(init, dict), "RUN_B/final/state.json has no init_from: %s" % init)
    check(os.path.realpath(init["path"]) == os.path.realpath(j("run_a", "final")),
          "init_from.path %s" % init["path"])
    check(init["step"] == STEPS_A, "init_from.step %s" % init["step"])
    check(init["checksum"] == sha256(j("run_a", "final", "model.safetensors")),
          "init_from.checksum is not the sha256 of RUN_A/final/model.safetensors")
    # fresh step count and schedule: RUN_B counts from 0 to STEPS_B, warming up again
    log = read_jsonl(j("run_b", "logs", "train.jsonl"))
    check(log[0]["step"] == 5 and log[-1]["step"] == STEPS_B and state_b["step"] == STEPS_B,
          "RUN_B steps: first %s, last %s, final %s" %
          (log[0]["step"], log[-1]["step"], state_b["step"]))
    # the warmup restarts: at step 5, lr/peak is what it was for RUN_A at its step 5
    log_a = read_jsonl(j("run_a", "logs", "train.jsonl"))
    check(log[0]["lr"] < 0.001 and abs(log[0]["lr"] / 0.001 - log_a[0]["lr"] / 0.002) < 1e-6,
          "RUN_B did not start a fresh warmup: lr %s at step 5 (RUN_A: %s)" %
          (log[0]["lr"], log_a[0]["lr"]))
    check(all(r["nsp_loss"] == 0 for r in log), "RUN_B (MLM only) logged an NSP loss")
    # the NSP head is kept, unused and untouched (no weight decay without a gradient)
    for run in ("run_a", "run_b"):
        bertforge("export", "--checkpoint", j(run, "final"), "--out", j("export_" + run))
    for name in ("cls.seq_relationship.weight", "cls.seq_relationship.bias"):
        check(safetensors_tensor(j("export_run_a", "model.safetensors"), name) ==
              safetensors_tensor(j("export_run_b", "model.safetensors"), name),
              "MLM-only continuation changed the NSP head (%s)" % name)
    check(safetensors_tensor(j("export_run_a", "model.safetensors"),
                             "cls.predictions.transform.dense.weight") !=
          safetensors_tensor(j("export_run_b", "model.safetensors"),
                             "cls.predictions.transform.dense.weight"),
          "the MLM head did not change in the continuation")
    ok("init_from recorded; step and schedule fresh")

    # 3. a config naming another tokenizer is refused
    run_t = j("run_t")
    cfg_t = config("t", run_t, j("b.txt"), j("b_valid.txt"), 10, False,
                   {"tokenizer.vocab_size": 60})
    bertforge("tokenizer", "--config", cfg_t)
    other = j("run_t", "tokenizer", "spm.model")
    check(sha256(other) != tok_sum, "the other tokenizer is identical to RUN_A's")
    for command in ("train", "pipeline"):
        run_d = j("run_d_" + command)
        _, err = bertforge(command, "--config", cfg_b, "--set", "run_dir=" + run_d,
                           "--set", "tokenizer.model=" + other,
                           "--init-from", j("run_a", "final"), expect=2)
        check("tokenizer.model" in err and "another tokenizer" in err,
              "%s: unclear refusal: %s" % (command, err))
        check(not os.path.exists(os.path.join(run_d, "checkpoints")),
              "%s: refused run left checkpoints" % command)
    # naming RUN_A's own tokenizer is accepted (nothing to refuse), checked by run_c above
    ok("mismatched tokenizer refused (exit 2)")

    # 3b. explicit tokenizer keys that the starting model's tokenizer overrides: a warning naming
    #     the key and both values (and none where the config agrees, as in step 2's log_b)
    vocab_a = read_json(j("run_a", "final", "config.json"))["tokenizer"]["vocab_size"]
    _, log_w = bertforge("pipeline", "--config", cfg_b, "--set", "run_dir=" + j("run_w"),
                         "--set", "train.steps=2", "--set", "tokenizer.vocab_size=%d" % (vocab_a + 7),
                         "--init-from", j("run_a", "final"))
    want = "tokenizer.vocab_size is %d in the config, but --init-from %s has %d" % (
        vocab_a + 7, j("run_a", "final"), vocab_a)
    check(want in log_w, "no warning naming tokenizer.vocab_size and both values:\n" + log_w[-2000:])
    check("in the config, but --init-from" not in log_b,
          "a warning although the config agrees with the starting model:\n" + log_b[-2000:])
    ok("explicit tokenizer.vocab_size unlike --init-from's: warned with both values")

    # 4. NSP continuation from a model that never trained NSP: a fresh NSP head. From run_b
    #    (MLM-only, but continued from the NSP-trained run_a) the head is trained: kept.
    run_m = j("run_m")
    cfg_m = config("m", run_m, j("a.txt"), j("a_valid.txt"), 10, False)
    bertforge("pipeline", "--config", cfg_m)
    run_e = j("run_e")
    _, log_e = bertforge("train", "--config", cfg_a, "--set", "run_dir=" + run_e,
                         "--set", "train.steps=10", "--init-from", j("run_m", "final"))
    check("fresh NSP head" in log_e, "NSP continuation from an MLM-only model did not log "
          "'fresh NSP head':\n" + log_e[-2000:])
    log = read_jsonl(j("run_e", "logs", "train.jsonl"))
    check(all(r["nsp_loss"] > 0 for r in log), "NSP continuation logged no NSP loss")
    run_e2 = j("run_e2")
    _, log_e2 = bertforge("train", "--config", cfg_a, "--set", "run_dir=" + run_e2,
                          "--set", "train.steps=10", "--init-from", j("run_b", "final"))
    check("fresh NSP head" not in log_e2,
          "run_b's NSP head was trained by run_a, yet a fresh one was initialised")
    ok("nsp continuation from an MLM-only model")

    # 5. --resume auto inside the continuation resumes the continuation
    spm_before = sha256(spm_b)
    shards_before = {n: sha256(j("run_b", "data", n)) for n in shards_b}
    _, log_r = bertforge("train", "--config", cfg_b, "--set", "train.steps=%d" % (STEPS_B + 20),
                         "--resume", "auto")
    check("resumed from" in log_r and "step-%d" % STEPS_B in log_r,
          "train --resume auto did not resume RUN_B at step %d:\n%s" % (STEPS_B, log_r[-2000:]))
    state_r = read_json(j("run_b", "final", "state.json"))
    check(state_r["step"] == STEPS_B + 20, "resumed final step %s" % state_r["step"])
    check(state_r.get("init_from") == init, "init_from lost on resume: %s" %
          state_r.get("init_from"))
    steps = [r["step"] for r in read_jsonl(j("run_b", "logs", "train.jsonl"))]
    check(steps == sorted(steps) and steps[-1] == STEPS_B + 20,
          "RUN_B train.jsonl steps after resume: %s" % steps)
    ok("train --resume auto resumes the continuation")

    # 6. the same through `pipeline --resume auto` (no --init-from: the run is already one)
    _, log_p = bertforge("pipeline", "--config", cfg_b,
                         "--set", "train.steps=%d" % (STEPS_B + 40), "--resume", "auto")
    check("step-%d" % (STEPS_B + 20) in log_p,
          "pipeline --resume auto did not resume RUN_B:\n" + log_p[-2000:])
    check(sha256(spm_b) == spm_before, "pipeline --resume auto replaced the run's tokenizer")
    check({n: sha256(j("run_b", "data", n)) for n in shards_b} == shards_before,
          "pipeline --resume auto re-encoded the run's data")
    state_p = read_json(j("run_b", "final", "state.json"))
    check(state_p["step"] == STEPS_B + 40 and state_p.get("init_from") == init,
          "pipeline resume: step %s, init_from %s" % (state_p["step"], state_p.get("init_from")))
    ok("pipeline --resume auto resumes the continuation")

    # 7. tokenizer.lowercase with a continuation: the starting model's tokenizer is kept (cased or
    # not as it was trained), the key is dropped with a warning, and the run's models stay usable.
    _, log_l = bertforge("pipeline", "--config", cfg_b, "--set", "tokenizer.lowercase=true",
                         "--set", "train.steps=%d" % (STEPS_B + 50), "--resume", "auto")
    check("tokenizer.lowercase is ignored" in log_l,
          "no warning that tokenizer.lowercase is ignored:\n" + log_l[-2000:])
    check(sha256(spm_b) == spm_before, "tokenizer.lowercase replaced the continuation's tokenizer")
    check(read_json(j("run_b", "final", "config.json"))["tokenizer"]["lowercase"] is False,
          "final/config.json records tokenizer.lowercase true for a kept tokenizer")
    evaluate(j("run_b", "final"))
    ok("tokenizer.lowercase on a continuation: ignored with a warning, models stay usable")


if __name__ == "__main__":
    sys.exit(main())
