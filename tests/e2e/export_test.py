#!/usr/bin/python3
"""End-to-end test of `bertforge export` (HuggingFace BertForPreTraining directory), at tiny size.

Run by ctest as: /usr/bin/python3 tests/e2e/export_test.py --bin BERTFORGE --source SRC
Exit status 0 when every check passes. Debian's python3 with numpy, nothing else.

The export is read by code in this file only (no code shared with the C++ writer):
  - model.safetensors: parsed with struct + json + numpy.frombuffer; the format rules are checked
    (8-byte little-endian header size, JSON header, F32, contiguous in-range offsets, shapes).
  - the checkpoint's model.safetensors is read the same way, so every exported tensor is compared
    bit for bit with the weights the trainer saved.
Then: the export evaluates to the same numbers as the checkpoint (`bertforge evaluate`), a run can
start from it (`train --init-from EXPORT`), and
`export` refuses a non-empty output directory without --force (exit 2) and overwrites it with it.
"""
import hashlib
import json
import os
import random
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402

read_json = e2e_common.read_json
write_grammar_corpus = e2e_common.write_grammar_corpus

ARGS = None
WORK = None
TIMEOUT = 300  # seconds any single bertforge process may take

LAYERS, HIDDEN, HEADS, INTERMEDIATE, MAX_POS = 2, 32, 2, 64, 64


# ----------------------------------------------------------------------------------------------
# helpers

def bertforge(*args, expect=0):
    """Runs the executable; returns (stdout, stderr). Fails unless the exit status is `expect`."""
    return e2e_common.run_bertforge(ARGS.bin, WORK, args, expect, TIMEOUT)


check = e2e_common.check


# ----------------------------------------------------------------------------------------------
# an independent safetensors reader

DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": None, "F64": np.dtype("<f8"),
          "I64": np.dtype("<i8"), "I32": np.dtype("<i4")}


def read_safetensors(path):
    """Returns ({name: np.ndarray}, metadata). Checks the format rules on the way."""
    with open(path, "rb") as f:
        blob = f.read()
    check(len(blob) >= 8, "safetensors: shorter than its 8-byte header size")
    (n,) = struct.unpack("<Q", blob[:8])
    check(8 + n <= len(blob), "safetensors: header size %d beyond the file (%d bytes)" %
          (n, len(blob)))
    header_bytes = blob[8:8 + n]
    header = json.loads(header_bytes.decode("utf-8"))
    # The header may be padded with spaces only (the format allows trailing 0x20).
    check(header_bytes.rstrip(b" ").endswith(b"}"), "safetensors: header padding is not spaces")
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    check(all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()),
          "safetensors: __metadata__ must map strings to strings")
    tensors, spans = {}, []
    for name, info in header.items():
        check(set(info) == {"dtype", "shape", "data_offsets"},
              "safetensors: %s: keys %s" % (name, sorted(info)))
        check(info["dtype"] == "F32", "safetensors: %s is %s, not F32" % (name, info["dtype"]))
        begin, end = info["data_offsets"]
        shape = info["shape"]
        nbytes = int(np.prod(shape, dtype=np.int64)) * 4
        check(0 <= begin <= end <= len(data), "safetensors: %s offsets out of range" % name)
        check(end - begin == nbytes, "safetensors: %s: %d bytes for shape %s" %
              (name, end - begin, shape))
        spans.append((begin, end, name))
        tensors[name] = np.frombuffer(data, dtype=DTYPES["F32"], count=nbytes // 4,
                                      offset=begin).reshape(shape)
    # The data section is exactly the tensors, back to back, with no gap or overlap.
    spans.sort()
    pos = 0
    for begin, end, name in spans:
        check(begin == pos, "safetensors: %s starts at %d, expected %d (gap or overlap)" %
              (name, begin, pos))
        pos = end
    check(pos == len(data), "safetensors: %d bytes of data after the last tensor" %
          (len(data) - pos))
    return tensors, meta


def expected_names(layers):
    """BertForPreTraining's parameter names, tied decoder weight/bias left out (as HF saves)."""
    names = ["bert.embeddings.%s.weight" % e for e in
             ("word_embeddings", "position_embeddings", "token_type_embeddings")]
    names += ["bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias"]
    for i in range(layers):
        p = "bert.encoder.layer.%d." % i
        for m in ("attention.self.query", "attention.self.key", "attention.self.value",
                  "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
                  "output.dense", "output.LayerNorm"):
            names += [p + m + ".weight", p + m + ".bias"]
    names += ["bert.pooler.dense.weight", "bert.pooler.dense.bias", "cls.predictions.bias",
              "cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
              "cls.predictions.transform.LayerNorm.weight",
              "cls.predictions.transform.LayerNorm.bias",
              "cls.seq_relationship.weight", "cls.seq_relationship.bias"]
    return names


def expected_shapes(vocab):
    h, i = HIDDEN, INTERMEDIATE
    shapes = {"bert.embeddings.word_embeddings.weight": [vocab, h],
              "bert.embeddings.position_embeddings.weight": [MAX_POS, h],
              "bert.embeddings.token_type_embeddings.weight": [2, h],
              "cls.predictions.bias": [vocab], "cls.seq_relationship.weight": [2, h],
              "cls.seq_relationship.bias": [2]}
    for n in expected_names(LAYERS):
        if n in shapes:
            continue
        if n.endswith("intermediate.dense.weight"):
            shapes[n] = [i, h]
        elif n.endswith("intermediate.dense.bias"):
            shapes[n] = [i]
        elif ".output.dense.weight" in n and "attention" not in n:
            shapes[n] = [h, i]
        elif n.endswith(".weight") and "LayerNorm" not in n:
            shapes[n] = [h, h]
        else:
            shapes[n] = [h]
    return shapes


# ----------------------------------------------------------------------------------------------
# the test

def main():
    return e2e_common.run_main("export", __doc__, globals(), run)


def run(passed):
    def ok(name):
        passed.append(name)
        print("export_test: ok  %s" % name, flush=True)

    j = lambda *p: os.path.join(WORK, *p)  # noqa: E731
    write_grammar_corpus(j("a.txt"), 250, 5)
    cfg = {"run_dir": j("run"), "seed": 3,
           "tokenizer": {"type": "unigram", "vocab_size": 80, "byte_fallback": False},
           "data": {"train_files": [j("a.txt")], "valid_fraction": 0.1, "max_seq_len": 48,
                    "nsp": True, "threads": 2},
           "model": {"preset": "tiny", "layers": LAYERS, "hidden": HIDDEN, "heads": HEADS,
                     "intermediate": INTERMEDIATE, "max_position": MAX_POS},
           "train": {"steps": 30, "batch_size": 8, "lr": 0.002, "warmup_steps": 5,
                     "log_every": 10, "eval_every": 0, "save_every": 30, "threads": 2}}
    with open(j("config.json"), "w") as f:
        json.dump(cfg, f)
    bertforge("pipeline", "--config", j("config.json"))
    final, out = j("run", "final"), j("export")
    bertforge("export", "--checkpoint", final, "--out", out)

    # config.json: HuggingFace BertConfig keys
    hf = read_json(os.path.join(out, "config.json"))
    vocab = hf["vocab_size"]
    want = {"architectures": ["BertForPreTraining"], "model_type": "bert",
            "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
            "intermediate_size": INTERMEDIATE, "hidden_act": "gelu",
            "max_position_embeddings": MAX_POS, "type_vocab_size": 2, "pad_token_id": 0}
    for k, v in want.items():
        check(hf.get(k) == v, "config.json: %s = %r, expected %r" % (k, hf.get(k), v))
    check(vocab == read_json(j("run", "tokenizer", "tokenizer.json"))["vocab_size"],
          "config.json: vocab_size %s is not the tokenizer's" % vocab)
    for k, lo, hi in (("layer_norm_eps", 1e-13, 1e-3), ("hidden_dropout_prob", 0, 1),
                      ("attention_probs_dropout_prob", 0, 1), ("initializer_range", 1e-4, 1)):
        check(isinstance(hf.get(k), float) and lo <= hf[k] <= hi,
              "config.json: %s = %r" % (k, hf.get(k)))
    ok("config.json")

    # tokenizer files
    with open(os.path.join(out, "spiece.model"), "rb") as a, \
            open(j("run", "tokenizer", "spm.model"), "rb") as b:
        check(a.read() == b.read(), "spiece.model is not the run's tokenizer")
    specials = {"pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]",
                "sep_token": "[SEP]", "mask_token": "[MASK]"}
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        t = read_json(os.path.join(out, name))
        for k, v in specials.items():
            got = t.get(k)
            got = got.get("content") if isinstance(got, dict) else got
            check(got == v, "%s: %s = %r, expected %r" % (name, k, got, v))
    ok("tokenizer files")

    # model.safetensors: format, names, shapes
    tensors, meta = read_safetensors(os.path.join(out, "model.safetensors"))
    names = expected_names(LAYERS)
    check(sorted(tensors) == sorted(names), "tensor names: extra %s, missing %s" %
          (sorted(set(tensors) - set(names)), sorted(set(names) - set(tensors))))
    check("cls.predictions.decoder.weight" not in tensors,
          "the tied decoder weight is stored separately")
    for n, shape in expected_shapes(vocab).items():
        check(list(tensors[n].shape) == shape, "%s: shape %s, expected %s" %
              (n, list(tensors[n].shape), shape))
    ok("safetensors format, names, shapes (%d tensors)" % len(tensors))

    # every tensor equals the checkpoint's (its model.safetensors, bertforge's names), bit for bit
    saved, _ = read_safetensors(os.path.join(final, "model.safetensors"))
    for n in names:
        a, b = tensors[n], saved[n]
        check(a.dtype == b.dtype == np.float32 and a.shape == b.shape and
              a.tobytes() == b.tobytes(), "%s differs from the checkpoint's" % n)
    check(any(np.abs(v).max() > 0 for v in saved.values()), "all-zero weights")
    ok("every tensor equals the checkpoint's model.safetensors")

    # the export loads back into bertforge and evaluates to the same numbers
    text = j("valid.txt")
    write_grammar_corpus(text, 40, 99)
    for args in ([], ["--data", text]):
        a = json.loads(bertforge("evaluate", "--checkpoint", final, "--json", *args)[0])
        b = json.loads(bertforge("evaluate", "--checkpoint", out, "--json", *args)[0])
        check(a == b, "evaluate %s: the export gives %s, the checkpoint %s" % (args, b, a))
        check(a["masked_tokens"] > 0, "evaluate %s: no masked tokens evaluated" % args)
    ok("export evaluates like the checkpoint")

    # an export is a valid --init-from starting point
    bertforge("train", "--config", j("config.json"), "--set", "run_dir=" + j("cont"),
              "--set", "train.steps=5", "--init-from", out)
    init = read_json(j("cont", "final", "state.json"))["init_from"]
    weights = os.path.join(out, "model.safetensors")
    check(os.path.realpath(init["path"]) == os.path.realpath(out) and
          init["checksum"] == hashlib.sha256(open(weights, "rb").read()).hexdigest(),
          "init_from of a run started from the export: %s" % init)
    ok("--init-from an export")

    # no overwriting without --force
    digest = hashlib.sha256(open(os.path.join(out, "model.safetensors"), "rb").read()).hexdigest()
    _, err = bertforge("export", "--checkpoint", final, "--out", out, expect=2)
    check("--force" in err, "refusal does not mention --force: " + err)
    other = j("other")
    os.makedirs(other)
    with open(os.path.join(other, "keep.txt"), "w") as f:
        f.write("user data\n")
    bertforge("export", "--checkpoint", final, "--out", other, expect=2)
    check(os.path.exists(os.path.join(other, "keep.txt")), "a refused export removed a file")
    bertforge("export", "--checkpoint", final, "--out", out, "--force")
    again = hashlib.sha256(open(os.path.join(out, "model.safetensors"), "rb").read()).hexdigest()
    check(again == digest, "a forced re-export wrote different weights")
    os.makedirs(j("empty"))
    bertforge("export", "--checkpoint", final, "--out", j("empty"))  # empty dir: fine
    # --force writes the export files into the directory and leaves everything else there alone.
    bertforge("export", "--checkpoint", final, "--out", other, "--force")
    check(open(os.path.join(other, "keep.txt")).read() == "user data\n",
          "export --force removed or changed a file that is not part of an export")
    check(os.path.exists(os.path.join(other, "model.safetensors")), "--force wrote no weights")
    # Never into a checkpoint, never over a file.
    _, err = bertforge("export", "--checkpoint", final, "--out", final, "--force", expect=2)
    check("checkpoint" in err, "export into a checkpoint: " + err)
    check(os.path.exists(os.path.join(final, "DONE")), "export --force damaged the checkpoint")
    _, err = bertforge("export", "--checkpoint", final, "--out", j("a.txt"), expect=2)
    check("not a directory" in err, "export over a file: " + err)
    ok("non-empty --out refused without --force (exit 2); --force keeps other files, never "
       "writes into a checkpoint or over a file")


if __name__ == "__main__":
    sys.exit(main())
