#!/usr/bin/python3
"""End-to-end test of the causal-LM objective (train.objective clm / clm_then_mlm) and `generate`.

Run by ctest as: /usr/bin/python3 tests/e2e/clm_test.py --bin BERTFORGE --source SRC
Exit status 0 when every check passes. Debian's python3; nothing else.

  1. `pipeline` with clm_then_mlm (30 steps, clm_share 0.5: steps 1-15 CLM, 16-30 MLM):
     train.jsonl names each line's objective and its loss (clm_loss / mlm_loss), and a line ends
     the CLM phase at step 15; eval.jsonl scores CLM (next_token_accuracy, baseline_bigram) at
     step 10 and MLM (mask_accuracy and the MLM baselines) at steps 20 and 30; best/ follows only
     the MLM evaluations.
  2. The same run resumed from its step-10 checkpoint (across the switch) ends bit-identical:
     the final weights and every logged loss.
  3. A clm run's next-token loss falls; `evaluate` scores it as a causal LM; `generate` is
     deterministic when greedy and with a seed, stops at [SEP] or --max-new-tokens, and
     `fill-mask` on it warns.
  4. `generate` on an MLM-only model is refused: exit 2, one line saying why.
  5. data.nsp true with train.objective clm is refused: exit 2 naming data.nsp.
"""
import hashlib
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402

ARGS = None
WORK = None
TIMEOUT = 300

# Sentences whose words follow each other in a fixed order with a few choices: a causal LM can
# learn them from the left context.
GRAMMAR = [["the", "a", "one"], ["red", "blue", "green", "old"],
           ["fox", "cat", "bird", "horse"], ["runs", "sleeps", "sings", "waits"],
           ["near", "under", "behind"], ["the"], ["river", "house", "tree", "hill"]]


def write_corpus(path, docs, seed):
    rng = random.Random(seed)
    with open(path, "w") as f:
        for _ in range(docs):
            for _ in range(rng.randint(3, 6)):
                f.write(" ".join(rng.choice(slot) for slot in GRAMMAR) + " .\n")
            f.write("\n")


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def bertforge(*args, expect=0):
    return e2e_common.run_bertforge(ARGS.bin, WORK, args, expect, TIMEOUT)


def write_config(name, objective, steps, extra_train=None):
    corpus = os.path.join(WORK, "corpus.txt")
    train = {"steps": steps, "objective": objective, "clm_share": 0.5, "eval_every": 10,
             "save_every": 10, "log_every": 5, "eval_batches": 0, "lr": 0.003,
             "warmup_steps": 3, "precision": "fp32"}
    train.update(extra_train or {})
    c = e2e_common.tiny_config(os.path.join(WORK, name), corpus, train=train)
    c["model"]["layers"] = 2
    c["tokenizer"]["vocab_size"] = 40  # the grammar's 24 words and their pieces
    path = os.path.join(WORK, name + ".json")
    with open(path, "w") as f:
        json.dump(c, f, indent=2)
    return path, c["run_dir"]


def check_switch(run_dir, ok):
    lines = read_jsonl(os.path.join(run_dir, "logs", "train.jsonl"))
    steps = [(l["step"], l["objective"]) for l in lines]
    e2e_common.check(steps == [(5, "clm"), (10, "clm"), (15, "clm"), (20, "mlm"), (25, "mlm"),
                               (30, "mlm")], "train.jsonl steps/objectives: %s" % steps)
    for l in lines:
        key = l["objective"] + "_loss"
        e2e_common.check(key in l and l[key] > 0, "line %s lacks %s" % (l, key))
    ok("train.jsonl names each line's objective, a line at the switch")
    evals = read_jsonl(os.path.join(run_dir, "logs", "eval.jsonl"))
    e2e_common.check([(e["step"], e["objective"]) for e in evals] ==
                     [(10, "clm"), (20, "mlm"), (30, "mlm")], "eval rows: %s" % evals)
    clm = evals[0]
    for k in ("clm_loss", "next_token_accuracy", "baseline_unigram", "baseline_bigram"):
        e2e_common.check(clm.get(k) is not None, "the CLM eval row lacks %s: %s" % (k, clm))
    for k in ("mlm_loss", "mask_accuracy", "baseline_left", "baseline_bidirectional"):
        e2e_common.check(evals[1].get(k) is not None, "the MLM eval row lacks %s" % k)
    state = json.load(open(os.path.join(run_dir, "best", "state.json")))
    e2e_common.check(state["step"] in (20, 30), "best/ is from the CLM phase: %s" % state["step"])
    ok("evaluations per objective, best/ from the MLM phase")


def run(passed):
    def ok(name):
        passed.append(name)

    write_corpus(os.path.join(WORK, "corpus.txt"), 400, 5)
    cfg, run_dir = write_config("switch", "clm_then_mlm", 30)
    bertforge("pipeline", "--config", cfg)
    check_switch(run_dir, ok)

    cfg2, run2 = write_config("resumed", "clm_then_mlm", 30)
    bertforge("pipeline", "--config", cfg2)
    bertforge("train", "--config", cfg2, "--resume", os.path.join(run2, "checkpoints", "step-10"))
    e2e_common.check(sha256(os.path.join(run2, "final", "model.safetensors")) ==
                     sha256(os.path.join(run_dir, "final", "model.safetensors")),
                     "resumed across the switch: final weights differ")
    a = read_jsonl(os.path.join(run_dir, "logs", "train.jsonl"))
    b = read_jsonl(os.path.join(run2, "logs", "train.jsonl"))
    e2e_common.check([l["loss"] for l in a] == [l["loss"] for l in b],
                     "resumed across the switch: losses differ")
    ok("resume from step 10 across the CLM->MLM switch is bit-identical")

    cfg3, run3 = write_config("clm", "clm", 60, {"eval_every": 20})
    bertforge("pipeline", "--config", cfg3)
    evals = read_jsonl(os.path.join(run3, "logs", "eval.jsonl"))
    e2e_common.check(all(e["objective"] == "clm" for e in evals), "clm run evals: %s" % evals)
    e2e_common.check(evals[-1]["clm_loss"] < evals[0]["clm_loss"],
                     "next-token loss does not fall: %s" % [e["clm_loss"] for e in evals])
    out, _ = bertforge("evaluate", "--checkpoint", run3, "--json")
    e = json.loads(out)
    e2e_common.check(e["objective"] == "clm" and e["clm_loss"] > 0, "evaluate: %s" % e)
    ok("clm: the next-token loss falls (%.3f -> %.3f); evaluate scores CLM" %
       (evals[0]["clm_loss"], evals[-1]["clm_loss"]))

    gen = ["generate", "--checkpoint", run3, "the red fox", "--json", "--max-new-tokens", "12"]
    g1, g2 = json.loads(bertforge(*gen)[0]), json.loads(bertforge(*gen)[0])
    e2e_common.check(g1 == g2 and g1["stop"] in ("sep", "max_new_tokens"), "greedy: %s" % g1)
    e2e_common.check(len(g1["ids"]) <= 12 and g1["text"].startswith("the red fox"),
                     "greedy output: %s" % g1)
    sampled = gen + ["--temperature", "1.0", "--top-p", "0.9", "--seed", "7"]
    s1, s2 = json.loads(bertforge(*sampled)[0]), json.loads(bertforge(*sampled)[0])
    e2e_common.check(s1 == s2, "sampling with a seed is not reproducible: %s vs %s" % (s1, s2))
    one = json.loads(bertforge(*(gen[:-1] + ["1"]))[0])
    e2e_common.check(len(one["ids"]) <= 1, "--max-new-tokens 1 gave %s" % one)
    _, err = bertforge("fill-mask", "--checkpoint", run3, "the [MASK] fox")
    e2e_common.check("causal LM" in err, "fill-mask on a CLM model does not warn: " + err)
    ok("generate: greedy %r, seeded sampling reproducible; fill-mask warns" % g1["continuation"])

    cfg4, run4 = write_config("mlm", "mlm", 10)
    bertforge("pipeline", "--config", cfg4)
    p = e2e_common.run_limited(ARGS.bin, WORK, ["generate", "--checkpoint", run4, "the red"])
    e2e_common.check_one_error(p, 2, "masked LM", "train.objective clm")
    ok("generate refuses an MLM-only model")

    p = e2e_common.run_limited(ARGS.bin, WORK, ["train", "--config", cfg3, "--set",
                                                "data.nsp=true", "--overwrite"])
    e2e_common.check_one_error(p, 2, "data.nsp")
    ok("data.nsp true with objective clm refused")


def main():
    return e2e_common.run_main("clm", __doc__, globals(), run)


if __name__ == "__main__":
    sys.exit(main())
