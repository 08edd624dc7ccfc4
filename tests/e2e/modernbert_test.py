#!/usr/bin/python3
"""End-to-end test of model.architecture modernbert: train, export as ModernBertForMaskedLM, load
the export back (evaluate, fill-mask, --init-from) with identical numbers.

Run by ctest as: /usr/bin/python3 tests/e2e/modernbert_test.py --bin BERTFORGE --source SRC
The export's safetensors are read with export_test's independent reader (struct + json + numpy).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402
import export_test  # noqa: E402  (its safetensors reader)

ARGS = None
WORK = None
LAYERS, HIDDEN, HEADS, INTERMEDIATE = 3, 32, 2, 48
check = e2e_common.check


def bertforge(*args, expect=0):
    return e2e_common.run_bertforge(ARGS.bin, WORK, args, expect, 300)


def expected_names():
    """ModernBertForMaskedLM's parameter names (HF modeling_modernbert.py); layer 0 has no
    attn_norm (Identity) and the tied decoder weight is not stored."""
    names = {"model.embeddings.tok_embeddings.weight", "model.embeddings.norm.weight",
             "model.final_norm.weight", "head.dense.weight", "head.norm.weight", "decoder.bias"}
    for i in range(LAYERS):
        for n in ["attn.Wqkv", "attn.Wo", "mlp_norm", "mlp.Wi", "mlp.Wo"] + \
                (["attn_norm"] if i > 0 else []):
            names.add("model.layers.%d.%s.weight" % (i, n))
    return names


def run(passed):
    def ok(name):
        passed.append(name)
        print("modernbert_test: ok  %s" % name, flush=True)

    j = lambda *p: os.path.join(WORK, *p)  # noqa: E731
    e2e_common.write_grammar_corpus(j("a.txt"), 250, 5)
    cfg = {"run_dir": j("run"), "seed": 3,
           "tokenizer": {"type": "unigram", "vocab_size": 80, "byte_fallback": False},
           "data": {"train_files": [j("a.txt")], "valid_fraction": 0.1, "max_seq_len": 48,
                    "nsp": True, "threads": 2},
           "model": {"architecture": "modernbert", "layers": LAYERS, "hidden": HIDDEN,
                     "heads": HEADS, "intermediate": INTERMEDIATE, "max_position": 64,
                     "global_attn_every_n_layers": 2, "local_attention": 8,
                     "dropout": 0.0, "attention_dropout": 0.0},
           "train": {"steps": 100, "batch_size": 8, "lr": 0.003, "warmup_steps": 5,
                     "schedule": "wsd", "log_every": 10, "eval_every": 0, "save_every": 100,
                     "threads": 2}}
    with open(j("config.json"), "w") as f:
        json.dump(cfg, f)
    _, err = bertforge("pipeline", "--config", j("config.json"), expect=2)
    check("data.nsp" in err and "modernbert" in err, "nsp refusal does not name data.nsp:\n" + err)
    ok("data.nsp true refused")

    cfg["data"]["nsp"] = False
    with open(j("config.json"), "w") as f:
        json.dump(cfg, f)
    bertforge("pipeline", "--config", j("config.json"))
    lines = [json.loads(x) for x in open(j("run", "logs", "train.jsonl"))]
    check(lines[-1]["mlm_loss"] < lines[0]["mlm_loss"] - 0.5,
          "loss did not fall: %s -> %s" % (lines[0]["mlm_loss"], lines[-1]["mlm_loss"]))
    check(all("nsp_accuracy" not in x or x.get("nsp_loss", 0) == 0 for x in lines), "NSP trained")
    ok("trains (mlm_loss %.2f -> %.2f)" % (lines[0]["mlm_loss"], lines[-1]["mlm_loss"]))

    final, out = j("run", "final"), j("export")
    bertforge("export", "--checkpoint", final, "--out", out)
    hf = json.load(open(os.path.join(out, "config.json")))
    want = {"architectures": ["ModernBertForMaskedLM"], "model_type": "modernbert",
            "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
            "intermediate_size": INTERMEDIATE, "global_attn_every_n_layers": 2,
            "local_attention": 8, "norm_bias": False, "attention_bias": False,
            "mlp_bias": False, "decoder_bias": True, "hidden_activation": "gelu",
            "tie_word_embeddings": True}
    for k, v in want.items():
        check(hf.get(k) == v, "config.json: %s = %r, expected %r" % (k, hf.get(k), v))
    tensors, _ = export_test.read_safetensors(os.path.join(out, "model.safetensors"))
    check(set(tensors) == expected_names(),
          "tensor names differ: extra %s, missing %s" %
          (sorted(set(tensors) - expected_names()), sorted(expected_names() - set(tensors))))
    vocab = hf["vocab_size"]
    check(tensors["model.layers.1.mlp.Wi.weight"].shape == (2 * INTERMEDIATE, HIDDEN), "Wi shape")
    check(tensors["model.layers.0.attn.Wqkv.weight"].shape == (3 * HIDDEN, HIDDEN), "Wqkv shape")
    check(tensors["decoder.bias"].shape == (vocab,), "decoder.bias shape")
    ok("export: ModernBertForMaskedLM config.json and parameter names")

    a = json.loads(bertforge("evaluate", "--checkpoint", final, "--json")[0])
    b = json.loads(bertforge("evaluate", "--checkpoint", out, "--json")[0])
    for k in ("mlm_loss", "mlm_accuracy", "mask_accuracy", "examples", "masked_tokens"):
        check(a[k] == b[k], "evaluate %s: checkpoint %r, export %r" % (k, a[k], b[k]))
    for k in ("baseline_unigram", "baseline_left", "baseline_bidirectional"):
        check(isinstance(a.get(k), float) and 0 <= a[k] <= 1, "evaluate --json %s = %r" %
              (k, a.get(k)))
    ok("export evaluates like the checkpoint (mlm_loss %.4f)" % a["mlm_loss"])

    text = "The old farmer [MASK] the barn in the morning."
    fa = bertforge("fill-mask", "--checkpoint", final, text, "--json")[0]
    fb = bertforge("fill-mask", "--checkpoint", out, text, "--json")[0]
    check(fa == fb, "fill-mask differs:\n%s\n%s" % (fa, fb))
    ok("fill-mask identical from the export")

    bertforge("train", "--config", j("config.json"), "--set", "run_dir=" + j("cont"),
              "--set", "train.steps=10", "--set", "train.save_every=10", "--init-from", out)
    resolved = json.load(open(j("cont", "config.json")))
    check(resolved["model"]["architecture"] == "modernbert", "init-from lost the architecture")
    first = json.loads(open(j("cont", "logs", "train.jsonl")).readline())
    check(first["mlm_loss"] < lines[0]["mlm_loss"] - 0.3,
          "--init-from did not start from the trained weights (%.3f vs fresh %.3f)" %
          (first["mlm_loss"], lines[0]["mlm_loss"]))
    ok("--init-from the export continues it")


def main():
    return e2e_common.run_main("modernbert", __doc__, globals(), run)


if __name__ == "__main__":
    sys.exit(main())
