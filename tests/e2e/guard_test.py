#!/usr/bin/python3
"""End-to-end test of the domain-adaptation guard (data.valid_sets, train.eval_set,
train.guard_set, train.guard_max_rise), at tiny size.

Run by ctest as: /usr/bin/python3 tests/e2e/guard_test.py --bin BERTFORGE --source SRC
Exit status 0 when every check passes. Debian's python3; nothing else.

Two synthetic corpora of disjoint vocabularies: GENERAL (farm life) and DOMAIN (sea trade).
  1. `pipeline` on GENERAL                                                   -> RUN_A
  2. `train --init-from RUN_A/final` on DOMAIN at a high learning rate, with
     data.valid_sets {general, domain} (the list form), train.eval_set domain, the unnamed split
     other general text (so that a best/ following it would differ), train.guard_set general, train.guard_max_rise 0.05   -> RUN_B
     - each set is prepared into data/valid_sets/<name>/ (valid split only)
     - eval.jsonl: at step 0 and every evaluation one row per set ("set": name) beside the
       unnamed split's row (no "set"); TensorBoard tags eval/<set>/mlm_loss
     - the run stops before train.steps, at the first evaluation where general's mlm_loss is more
       than 5% above its step-0 value: the log line says so with the numbers, the last rows carry
       stop_reason over_specialisation, final/ holds the stopped model, state.json the reference
     - best/ follows train.eval_set (domain), not the unnamed split
  3. `train --resume auto`: nothing to do (stopped by the guard); with a raised
     train.guard_max_rise it goes on, comparing with the same step-0 reference
  4. a guard_set / eval_set naming no set: exit 2 naming the key (also the object form)
  5. `prepare` re-makes a set whose files changed, and only that set
"""
import json
import os
import random
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
STEPS_B = 300  # the budget the guard must cut short
EVAL_EVERY = 5
MAX_RISE = 0.05

check = e2e_common.check

def bertforge(*args, expect=0):
    return e2e_common.run_bertforge(ARGS.bin, WORK, args, expect, TIMEOUT)


def write_config(name, c):
    path = os.path.join(WORK, name + ".json")
    with open(path, "w") as f:
        json.dump(c, f, indent=2)
    return path


def base_config(run_dir, train, valid, steps):
    return {
        "run_dir": run_dir, "seed": 5,
        "tokenizer": {"type": "unigram", "vocab_size": 80, "byte_fallback": False},
        "data": {"train_files": [train], "valid_files": [valid], "max_seq_len": 32,
                 "nsp": False, "threads": 2},
        "model": {"preset": "tiny", "layers": 1, "hidden": 32, "heads": 2, "intermediate": 64,
                  "max_position": 32, "dropout": 0.0, "attention_dropout": 0.0},
        "train": {"steps": steps, "batch_size": 16, "lr": 0.003, "warmup_steps": 5,
                  "log_every": 10, "eval_every": 0, "eval_batches": 4, "save_every": 0,
                  "keep_last": 2, "threads": 2, "tensorboard": False},
    }


def rows_of(rows, name):
    """The eval.jsonl rows of set `name` (None: the unnamed split's, which have no "set")."""
    return [r for r in rows if r.get("set") == name]


def run(passed):
    def ok(name):
        passed.append(name)
        print("guard_test: ok  %s" % name, flush=True)

    j = lambda *p: os.path.join(WORK, *p)  # noqa: E731
    write_grammar_corpus(j("general.txt"), 300, 1, FARM)
    write_grammar_corpus(j("general_valid.txt"), 30, 2, FARM)
    write_grammar_corpus(j("domain.txt"), 300, 3, SEA)
    write_grammar_corpus(j("domain_valid.txt"), 30, 4, SEA)
    write_grammar_corpus(j("general_heldout.txt"), 30, 5, FARM)  # RUN_B's unnamed split
    run_a, run_b = j("run_a"), j("run_b")

    # 1. the general model
    bertforge("pipeline", "--config",
              write_config("a", base_config(run_a, j("general.txt"), j("general_valid.txt"),
                                            STEPS_A)))

    # 2. the continuation that over-specialises
    cb = base_config(run_b, j("domain.txt"), j("general_heldout.txt"), STEPS_B)
    cb["data"]["valid_sets"] = [{"name": "general", "files": [j("general_valid.txt")]},
                                {"name": "domain", "files": j("domain_valid.txt")}]
    cb["train"].update({"lr": 0.001, "warmup_steps": 2, "eval_every": EVAL_EVERY,
                        "save_every": 50, "eval_set": "domain", "guard_set": "general",
                        "guard_max_rise": MAX_RISE, "tensorboard": True})
    cfg_b = write_config("b", cb)
    _, log_b = bertforge("train", "--config", cfg_b, "--init-from", j("run_a", "final"))

    for name in ("general", "domain"):
        m = read_json(j("run_b", "data", "valid_sets", name, "manifest.json"))
        check(m["splits"]["valid"]["documents"] > 0 and m["splits"]["train"]["documents"] == 0,
              "set %s: splits %s" % (name, m["splits"]))
    ok("each valid set prepared into data/valid_sets/<name>/")

    rows = read_jsonl(j("run_b", "logs", "eval.jsonl"))
    steps = sorted({r["step"] for r in rows})
    for s in steps:
        at = [r for r in rows if r["step"] == s]
        check(sorted(r.get("set", "") for r in at) == ["", "domain", "general"],
              "rows at step %d: %s" % (s, at))
    check(steps[0] == 0, "no step-0 evaluation: steps %s" % steps)
    check(all("mlm_loss" in r and "mlm_accuracy" in r for r in rows), "rows lack the fields")
    ok("eval.jsonl: a row per set at step 0 and every evaluation, the unnamed row unchanged")

    general = rows_of(rows, "general")
    ref = general[0]["mlm_loss"]
    stop = steps[-1]
    print("guard_test: general mlm_loss by step: %s" %
          ", ".join("%d: %.4f" % (r["step"], r["mlm_loss"]) for r in general))
    print("guard_test: domain mlm_loss by step: %s" %
          ", ".join("%d: %.4f" % (r["step"], r["mlm_loss"]) for r in rows_of(rows, "domain")))
    check(stop < STEPS_B, "the run did not stop early (last evaluation at step %d)" % stop)
    last = general[-1]["mlm_loss"]
    check(last > ref * (1 + MAX_RISE), "stopped, but general rose only %.4f -> %.4f" % (ref, last))
    check(all(r["mlm_loss"] <= ref * (1 + MAX_RISE) for r in general[1:-1]),
          "the guard did not stop at the first evaluation above the limit")
    for r in rows:
        want = "over_specialisation" if r["step"] == stop else None
        check(r.get("stop_reason") == want, "stop_reason of %s" % r)
    line = [ln for ln in log_b.splitlines() if "stopping at step %d: over-specialisation" % stop in ln]
    check(len(line) == 1, "no stop line in the log:\n" + log_b[-3000:])
    rise = 100 * (last - ref) / ref
    check(("general mlm_loss %.4f is %.1f%% above %.4f at step 0" % (last, rise, ref)) in line[0]
          and "train.guard_max_rise 0.05" in line[0], "stop line: " + line[0])
    print("guard_test: " + line[0].split("] ", 2)[-1])
    final_state = read_json(j("run_b", "final", "state.json"))
    check(final_state["step"] == stop, "final/ at step %s, stopped at %d" %
          (final_state["step"], stop))
    check(os.path.isfile(j("run_b", "checkpoints", "step-%d" % stop, "DONE")),
          "no checkpoint at the stop step")
    g = final_state["guard"]
    check(g["set"] == "general" and g["step"] == 0 and abs(g["loss"] - ref) < 1e-9,
          "state.json guard: %s (reference %.6f)" % (g, ref))
    ok("the guard stopped the continuation at step %d of %d" % (stop, STEPS_B))

    domain = [r for r in rows_of(rows, "domain") if r["step"] > 0]
    best_domain = min(domain, key=lambda r: r["mlm_loss"])
    unnamed = [r for r in rows_of(rows, None) if r["step"] > 0]
    best_unnamed = min(unnamed, key=lambda r: r["mlm_loss"])
    best = read_json(j("run_b", "best", "state.json"))["best"]
    check(best["step"] == best_domain["step"] and
          abs(best["mlm_loss"] - best_domain["mlm_loss"]) < 1e-9,
          "best/ %s does not follow the domain set (its best %s)" % (best, best_domain))
    check(best_unnamed["step"] != best_domain["step"],
          "the test cannot tell the sets apart: both best at step %d" % best_domain["step"])
    ok("best/ follows train.eval_set (domain: step %d; the unnamed split's best: step %d)" %
       (best_domain["step"], best_unnamed["step"]))

    events = os.listdir(j("run_b", "logs", "tensorboard"))
    blob = b"".join(open(j("run_b", "logs", "tensorboard", e), "rb").read() for e in events)
    check(b"eval/general/mlm_loss" in blob and b"eval/domain/mlm_loss" in blob and
          b"eval/mlm_loss" in blob, "TensorBoard tags per set missing")
    ok("TensorBoard tags eval/<set>/mlm_loss")

    # 3. resume: stopped stays stopped; a raised limit goes on against the same reference
    _, log_r = bertforge("train", "--config", cfg_b, "--resume", "auto")
    check("nothing to do" in log_r and "(stopped by the guard: over-specialisation" in log_r,
          "resume log:\n" + log_r[-2000:])
    _, log_r = bertforge("train", "--config", cfg_b, "--resume", "auto",
                         "--set", "train.guard_max_rise=100", "--set",
                         "train.steps=%d" % (stop + EVAL_EVERY))
    state_r = read_json(j("run_b", "final", "state.json"))
    check(state_r["step"] == stop + EVAL_EVERY, "resumed run at step %s" % state_r["step"])
    check(state_r["guard"]["step"] == 0 and abs(state_r["guard"]["loss"] - ref) < 1e-9,
          "the resumed run changed the reference: %s" % state_r["guard"])
    check("guard: general" not in log_r, "the resumed run measured a new reference")
    ok("resume keeps the step-0 reference")

    # 4. config errors: exit 2 naming the key
    for sets, key in ((["train.guard_set=legal"], "train.guard_set"),
                      (["train.eval_set=domian"], "train.eval_set"),
                      (['data.valid_sets={"general": "x.txt", "valid": "y.txt"}'],
                       "data.valid_sets.valid")):
        args = ["train", "--config", cfg_b, "--resume", "auto"]
        for s in sets:
            args += ["--set", s]
        p = e2e_common.run_limited(ARGS.bin, WORK, args)
        e2e_common.check_one_error(p, 2, "config: " + key)
    ok("a set name that does not exist: exit 2 naming the key")

    # 5. a changed set is re-made, the other is not
    with open(j("general_valid.txt"), "a") as f:
        f.write("The happy farmer fed a goat in the morning.\n")
    _, log_p = bertforge("prepare", "--config", cfg_b)
    check("prepare valid set 'general': encoding" in log_p and
          "prepare valid set 'domain': up to date" in log_p, "prepare log:\n" + log_p[-2000:])
    ok("prepare re-makes a changed set, and only it")


def main():
    return e2e_common.run_main("guard", __doc__, globals(), run)


if __name__ == "__main__":
    sys.exit(main())
