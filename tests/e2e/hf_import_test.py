#!/usr/bin/python3
"""End-to-end test of reading HuggingFace BERT directories (vocab.txt WordPiece, safetensors).

Run by ctest as: /usr/bin/python3 tests/e2e/hf_import_test.py --bin BERTFORGE --source SRC
Exit status 0 when every check passes. Debian's python3 with numpy; no torch, no transformers.

The HF directories are written by tests/e2e/hf_fixture.py (numpy + the standard library, no code
shared with bertforge's C++: its own safetensors writer and reader, BERT's vocab.txt layout, HF's
parameter names, and a numpy BertForMaskedLM forward pass as the reference). Checks:
  a. `tokenize --checkpoint DIR --json`: the ids and pieces of the reference WordPiece
     (tests/tokenizer/wordpiece_reference.py): punctuation, "##" pieces, accents stripped, [UNK]
  b. `fill-mask --json --top-k 5` (BertForPreTraining, F32): ids and probabilities are the numpy
     reference's top 5 ([PAD] [CLS] [SEP] [MASK] zeroed, not renormalised)
  c. the same for BertForMaskedLM names (decoder weight/bias, position_ids buffer), gamma/beta
     LayerNorm names, F16, BF16 and two shards, each against the reference of its stored values
  d. BertModel (no "bert." prefix, no MLM head): evaluate and fill-mask run and the log names the
     modules initialised fresh
  e. pytorch_model.bin alone (a pickle) and model_type "roberta" are refused (exit 1)
  f. `pipeline --init-from DIR` continues the model on a domain corpus with its WordPiece
     tokenizer (tokenizer/wordpiece.json, tokenizer/vocab.txt = the fixture's), and the continued
     model's MLM loss on held-out text is lower than the imported model's
  g. `export` of an imported directory: every tensor under its canonical name with the same
     bytes, vocab.txt byte-identical, a BertTokenizer tokenizer_config.json, the same tokenization;
     gamma/beta come out as LayerNorm.weight/bias
  h. `tokenize --config CFG` of the continuation run gives the ids of (a)
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402
import hf_fixture as hf  # noqa: E402

ARGS = None
WORK = None
TIMEOUT = 300  # seconds any single bertforge process may take

TOKENIZE_TEXT = ("The farmers' dogs were quickly JUMPING near Zoë's café, (playing!) ørn 42 "
                 "times; a@b: \"yes\" - no?")
FILL_TEXT = "the old farmer [MASK] the hay in the [MASK] ."
TOP_K = 5
# Reported probabilities are compared with the reference both absolutely (as HF users would) and
# relatively: the random model's distribution is close to uniform (p ~ 1/V), where an absolute
# 1e-4 alone would not see a wrongly mapped tensor. bertforge computes in fp32 from the stored
# values (F16/BF16 widened exactly), the reference in fp64: they agree to ~1e-6 relative.
RTOL = 1e-4


def bertforge(*args, expect=0):
    """Runs the executable; returns (stdout, stderr). Fails unless the exit status is `expect`."""
    return e2e_common.run_bertforge(ARGS.bin, WORK, args, expect, TIMEOUT)


check = e2e_common.check


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def tokenize_json(*args, text=None):
    out = json.loads(bertforge("tokenize", *args, TOKENIZE_TEXT if text is None else text,
                               "--json")[0])
    check(set(out) == {"ids", "pieces"}, "tokenize --json: keys %s" % sorted(out))
    return out


def check_fill_mask(name, directory, tensors, atol):
    """fill-mask's top-k at every [MASK] of FILL_TEXT against the numpy reference; returns the
    largest absolute difference."""
    out = json.loads(bertforge("fill-mask", "--checkpoint", directory, FILL_TEXT, "--json",
                               "--top-k", TOP_K)[0])
    ids = hf.fill_mask_ids(FILL_TEXT)
    positions = [i for i, t in enumerate(ids) if t == hf.MASK_ID]
    check(len(out) == len(positions), "%s: %d prediction lists for %d masks" %
          (name, len(out), len(positions)))
    probs = hf.mlm_probs(tensors, ids)
    worst = 0.0
    for m, (pos, preds) in enumerate(zip(positions, out)):
        ref = probs[pos].copy()
        ref[[hf.PAD_ID, hf.CLS_ID, hf.SEP_ID, hf.MASK_ID]] = 0.0
        order = np.argsort(-ref, kind="stable")[:TOP_K]
        got_ids = [p["id"] for p in preds]
        got_p = np.array([p["probability"] for p in preds])
        check(len(preds) == TOP_K, "%s: mask %d: %d predictions" % (name, m, len(preds)))
        check(all(p["token"] == hf.VOCAB[p["id"]] for p in preds),
              "%s: mask %d: tokens %s are not the ids' pieces" % (name, m, preds))
        # Every reported probability is the reference's for that id ...
        diff = np.abs(got_p - ref[got_ids])
        worst = max(worst, float(diff.max()))
        check(np.all(diff <= atol) and np.all(diff <= RTOL * ref[got_ids]),
              "%s: mask %d: probabilities %s, the reference gives %s for ids %s" %
              (name, m, got_p.tolist(), ref[got_ids].tolist(), got_ids))
        # ... and they are the reference's top k, in order (ids may swap only within a tie).
        top = ref[order]
        check(np.all(np.abs(got_p - top) <= RTOL * top),
              "%s: mask %d: top %d ids %s (p %s), the reference's are %s (p %s)" %
              (name, m, TOP_K, got_ids, got_p.tolist(), order.tolist(), top.tolist()))
        tie = [i for i in range(len(ref)) if ref[i] >= top[-1] * (1 - RTOL)]
        check(all(i in tie for i in got_ids) and
              all(a == b or abs(ref[a] - ref[b]) <= RTOL * ref[b]
                  for a, b in zip(got_ids, order)),
              "%s: mask %d: ids %s, the reference's top %d is %s" %
              (name, m, got_ids, TOP_K, order.tolist()))
    return worst


def evaluate(checkpoint, data, sets):
    args = ["evaluate", "--checkpoint", checkpoint, "--data", data, "--json"]
    for s in sets:
        args += ["--set", s]
    return json.loads(bertforge(*args)[0])


def main():
    return e2e_common.run_main("hf_import", __doc__, globals(), run)


def run(passed):
    def ok(name):
        passed.append(name)
        print("hf_import_test: ok  %s" % name, flush=True)

    j = lambda *p: os.path.join(WORK, *p)  # noqa: E731
    dirs, tensors = {}, {}
    for variant in hf.VARIANTS:
        dirs[variant] = j("hf-" + variant)
        tensors[variant] = hf.write_hf_bert(dirs[variant], variant, seed=7)
    base = dirs["pretraining"]

    # a. WordPiece tokenization of the vocab.txt
    want_pieces = hf.tokenize(TOKENIZE_TEXT)
    want_ids = [hf.TOKEN_ID[p] for p in want_pieces]
    for piece in ("##s", "##ly", "##ing", "'", ",", "(", ")", ";", "\"", "-", "?", "[UNK]"):
        check(piece in want_pieces, "the tokenize text does not exercise %r: %s" %
              (piece, want_pieces))
    check(["c", "##a", "##f", "##e"] == want_pieces[want_pieces.index("c"):][:4],
          "café is not c ##a ##f ##e in the reference: %s" % want_pieces)
    got = tokenize_json("--checkpoint", base)
    check(got["ids"] == want_ids and got["pieces"] == want_pieces,
          "tokenize --checkpoint %s:\n  got      %s\n  expected %s\n  got ids      %s\n"
          "  expected ids %s" % (base, got["pieces"], want_pieces, got["ids"], want_ids))
    check(got["ids"].count(hf.UNK_ID) == 2, "expected two [UNK] (ørn, @): %s" % got["ids"])
    ok("tokenize = reference WordPiece (%d pieces: ## pieces, punctuation, é -> e, [UNK])" %
       len(want_ids))

    # b, c. fill-mask against the numpy reference
    for variant in ("pretraining", "maskedlm", "legacy", "fp16", "bf16", "sharded"):
        atol = 1e-3 if variant in ("fp16", "bf16") else 1e-4
        worst = check_fill_mask(variant, dirs[variant], tensors[variant], atol)
        ok("fill-mask %s = numpy reference (max |dp| %.1e)" % (variant, worst))
    for variant in ("fp16", "bf16"):
        d = max(float(np.abs(tensors[variant][k] - tensors["pretraining"][k]).max())
                for k in tensors[variant])
        check(d > 0, "%s: the rounded weights equal the F32 ones" % variant)
    _, err = bertforge("fill-mask", "--checkpoint", dirs["maskedlm"], FILL_TEXT)
    check("initialised fresh" in err and "bert.pooler" in err and "cls.seq_relationship" in err,
          "BertForMaskedLM: the log does not name the pooler and NSP head as fresh:\n" + err)
    check("differs from the word embeddings" not in err,
          "BertForMaskedLM: the stored decoder weight (= embeddings) reported as different")
    ok("BertForMaskedLM: pooler and NSP head reported as initialised fresh")

    # d. BertModel: no MLM head
    valid = j("valid.txt")
    hf.write_corpus(valid, 30, seed=99)
    bertforge("evaluate", "--checkpoint", dirs["noprefix"], "--data", valid, "--json")
    _, err = bertforge("fill-mask", "--checkpoint", dirs["noprefix"], FILL_TEXT, "--json")
    check("initialised fresh" in err and "cls.predictions" in err,
          "BertModel: the log does not name the MLM head as initialised fresh:\n" + err)
    ok("BertModel (no prefix, no head): evaluate and fill-mask run, fresh modules logged")

    # e. refusals
    _, err = bertforge("fill-mask", "--checkpoint", dirs["pickle"], "a [MASK]", expect=1)
    check("pickle" in err and "safetensors" in err,
          "pytorch_model.bin: the error does not mention pickle and safetensors:\n" + err)
    _, err = bertforge("fill-mask", "--checkpoint", dirs["roberta"], "a [MASK]", expect=1)
    check("roberta" in err, "model_type roberta: the error does not mention it:\n" + err)
    ok("pickle and roberta refused (exit 1)")

    # g. export round trip
    vocab_bytes = read_bytes(os.path.join(base, "vocab.txt"))
    exp = j("export")
    bertforge("export", "--checkpoint", base, "--out", exp)
    stored, _ = hf.read_safetensors(os.path.join(exp, "model.safetensors"))
    fixture, _ = hf.read_safetensors(os.path.join(base, "model.safetensors"))
    missing = sorted(set(fixture) - set(stored))
    check(not missing, "export: tensors missing: %s" % missing)
    for name, a in fixture.items():
        check(stored[name].dtype == np.dtype("<f4") and stored[name].shape == a.shape and
              stored[name].tobytes() == a.tobytes(), "export: %s differs from the fixture" % name)
    check(read_bytes(os.path.join(exp, "vocab.txt")) == vocab_bytes,
          "export: vocab.txt is not the fixture's")
    tc = read_json(os.path.join(exp, "tokenizer_config.json"))
    check(tc.get("tokenizer_class") == "BertTokenizer" and tc.get("do_lower_case") is True,
          "export: tokenizer_config.json %s" % tc)
    again = tokenize_json("--checkpoint", exp)
    check(again["ids"] == want_ids, "tokenize --checkpoint EXPORT: %s, expected %s" %
          (again["ids"], want_ids))
    exp_legacy = j("export-legacy")
    bertforge("export", "--checkpoint", dirs["legacy"], "--out", exp_legacy)
    stored, _ = hf.read_safetensors(os.path.join(exp_legacy, "model.safetensors"))
    check(not any(n.endswith(("gamma", "beta")) for n in stored),
          "export of legacy: gamma/beta names kept")
    norms = [n for n in tensors["legacy"] if ".LayerNorm." in n]
    for name in norms:
        check(name in stored and np.array_equal(stored[name], tensors["legacy"][name]),
              "export of legacy: %s missing or not the stored gamma/beta" % name)
    ok("export round trip: %d tensors bit-identical, vocab.txt, BertTokenizer config, same ids; "
       "gamma/beta -> LayerNorm.weight/bias (%d)" % (len(fixture), len(norms)))

    # f. continuation on a domain corpus
    corpus = j("domain.txt")
    hf.write_corpus(corpus, 80, seed=5)
    cfg_path = j("domain.json")
    cfg = {"run_dir": j("run"), "seed": 1,
           "data": {"train_files": [corpus], "valid_fraction": 0.1, "max_seq_len": 64,
                    "nsp": False},
           "masking": {"strategy": "whole_word", "probability": 0.15},
           "train": {"steps": 60, "batch_size": 8, "lr": 1e-3, "warmup_steps": 5,
                     "log_every": 10, "eval_every": 0, "save_every": 60, "tensorboard": False,
                     "threads": 2}}
    with open(cfg_path, "w") as f:
        json.dump(cfg, f, indent=2)
    bertforge("pipeline", "--config", cfg_path, "--init-from", base)
    tok_dir = j("run", "tokenizer")
    check(os.path.isfile(os.path.join(tok_dir, "wordpiece.json")),
          "the continuation has no tokenizer/wordpiece.json: %s" % sorted(os.listdir(tok_dir)))
    check(read_bytes(os.path.join(tok_dir, "vocab.txt")) == vocab_bytes,
          "tokenizer/vocab.txt of the continuation is not the fixture's vocab.txt")
    sets = ["data.nsp=false", "masking.strategy=whole_word", "masking.probability=0.15",
            "seed=1", "train.batch_size=8"]
    before = evaluate(base, valid, sets)
    after = evaluate(j("run", "final"), valid, sets)
    print("hf_import_test: held-out mlm_loss imported %.4f, continued %.4f" %
          (before["mlm_loss"], after["mlm_loss"]), flush=True)
    check(before["masked_tokens"] == after["masked_tokens"] > 0,
          "the two evaluations scored different positions: %s vs %s masked tokens" %
          (before["masked_tokens"], after["masked_tokens"]))
    check(after["mlm_loss"] < before["mlm_loss"],
          "the continued model's mlm_loss %.4f is not below the imported model's %.4f" %
          (after["mlm_loss"], before["mlm_loss"]))
    ok("pipeline --init-from HF dir: WordPiece tokenizer adopted, held-out mlm_loss %.3f -> %.3f" %
       (before["mlm_loss"], after["mlm_loss"]))

    # h. the run's tokenizer
    got = tokenize_json("--config", cfg_path)
    check(got["ids"] == want_ids, "tokenize --config: %s, expected %s" % (got["ids"], want_ids))
    ok("tokenize --config of the continuation run = (a)")

    # i. domain vocabulary: vocab-candidates, then add_tokens under --init-from
    out, _ = bertforge("vocab-candidates", "--checkpoint", base, "--data", corpus, "--top", "3")
    rows = [line.split("\t") for line in out.strip().splitlines()[1:]]
    check(len(rows) == 3 and all(int(r[2]) > 1 for r in rows),
          "vocab-candidates: expected 3 words split into pieces:\n" + out)
    words = [r[0] for r in rows]
    for r in rows:
        check(int(r[2]) == len(hf.encode(r[0])), "vocab-candidates: %s pieces %s, reference %d" %
              (r[0], r[2], len(hf.encode(r[0]))))
    grow = dict(cfg, run_dir=j("run-grown"))
    grow["tokenizer"] = {"add_tokens": words}
    grow["train"] = dict(cfg["train"], steps=1, lr=1e-12, warmup_steps=0, save_every=1)
    grow_path = j("grow.json")
    with open(grow_path, "w") as f:
        json.dump(grow, f, indent=2)
    _, err = bertforge("pipeline", "--config", grow_path, "--init-from", base)
    check("3 word(s) into [unused] slots" in err, "add_tokens log line missing:\n" + err[-2000:])
    grown_vocab = read_bytes(j("run-grown", "tokenizer", "vocab.txt")).decode().split("\n")
    check(grown_vocab[1:4] == words, "[unused0..2] are not the added words: %s" % grown_vocab[:5])
    for k, w in enumerate(words):
        got = tokenize_json("--config", grow_path, text=w)["ids"]
        check(got == [1 + k], "tokenize %r after add_tokens: %s, expected [%d]" % (w, got, 1 + k))
    exp_grown = j("export-grown")
    bertforge("export", "--checkpoint", j("run-grown", "final"), "--out", exp_grown)
    stored, _ = hf.read_safetensors(os.path.join(exp_grown, "model.safetensors"))
    emb_name, bias_name = "bert.embeddings.word_embeddings.weight", "cls.predictions.bias"
    old_emb, old_bias = tensors["pretraining"][emb_name], tensors["pretraining"][bias_name]
    for k, w in enumerate(words):
        pieces = hf.encode(w)
        for name, old in ((emb_name, old_emb), (bias_name, old_bias)):
            want = old[pieces].astype(np.float64).mean(0)
            check(np.allclose(stored[name][1 + k], want, atol=1e-6),
                  "%s row of %r is not the mean of its old pieces %s" % (name, w, pieces))
    for k, w in enumerate(words):
        got = tokenize_json("--checkpoint", exp_grown, text=w)["ids"]
        check(got == [1 + k], "the export's tokenizer splits %r: %s" % (w, got))
    ok("vocab-candidates (top 3 agree with the reference piece counts) and add_tokens: %s into "
       "[unused0-2], one piece each, rows = mean of the old pieces'" % ", ".join(words))


if __name__ == "__main__":
    sys.exit(main())
