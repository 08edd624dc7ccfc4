#!/usr/bin/env python3
"""Writes the seeds of the tokenizer_json fuzz target into tests/fuzz/tokenizer_json/seeds/:
small tokenizers of each family built by the real `tokenizers` library (run with the interop
venv: ~/.cache/bertforge/interop-venv/bin/python tests/fuzz/make_tokenizer_json_seeds.py; the
Precompiled families need its `sentencepiece`), and hand-made
hostile variants (wrong types, unknown merge tokens, repeated added tokens, unknown components).
"""
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import tokenizer_json_test as t  # noqa: E402

OUT = os.path.join(HERE, "tokenizer_json", "seeds")


def put(name, obj):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "w") as f:
        f.write(obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False))


def main():
    rng = random.Random(7)
    toks = t.build_all(t.corpus(rng, 300))
    small = {}
    for name, tok in toks.items():
        j = json.loads(tok.to_str())
        small[name] = j
        put(name + ".json", j)
    bpe = small["roberta_bpe"]
    bad = json.loads(json.dumps(bpe))
    bad["model"]["merges"][3] = ["Ġzzz", "q"]
    put("bad-merge-unknown.json", bad)
    bad = json.loads(json.dumps(bpe))
    bad["model"]["merges"] = [" ".join(m) for m in bad["model"]["merges"]]
    bad["model"]["merges"][0] = "a b c"
    put("bad-merge-string.json", bad)
    bad = json.loads(json.dumps(bpe))
    bad["added_tokens"].append(dict(bad["added_tokens"][0]))
    put("bad-added-repeated.json", bad)
    bad = json.loads(json.dumps(bpe))
    bad["added_tokens"][0]["id"] = 5
    put("bad-added-id.json", bad)
    bad = json.loads(json.dumps(bpe))
    bad["model"]["vocab"] = ["a", "b"]
    put("bad-vocab-type.json", bad)
    bad = json.loads(json.dumps(bpe))
    bad["model"]["vocab"]["huge"] = 2**40
    put("bad-vocab-huge-id.json", bad)
    bad = json.loads(json.dumps(bpe))
    bad["normalizer"] = {"type": "Nmt"}
    put("bad-normalizer-unknown.json", bad)
    bad["normalizer"] = {"type": "Precompiled", "precompiled_charsmap": "AAAA"}
    put("bad-precompiled-short.json", bad)
    bad = json.loads(json.dumps(small["llama_bpe_byte_fallback"]))
    bad["pre_tokenizer"] = {"type": "Split", "pattern": {"Regex": "(?<=a"}, "behavior": "Isolated",
                            "invert": False}
    put("bad-regex.json", bad)
    put("not-json.json", "{\"model\": {\"type\": \"BPE\", ")


if __name__ == "__main__":
    main()
