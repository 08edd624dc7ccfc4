#!/usr/bin/env python3
"""bertforge's models against the real HuggingFace `transformers` (and `tokenizers`).

1. Exports load in HF without conversion: for each tokenizer kind (WordPiece vocab.txt,
   SentencePiece unigram and BPE trained by bertforge, an adopted byte-level BPE tokenizer.json)
   and architecture (bert, roberta, modernbert), a tiny model is trained and exported;
   AutoTokenizer.from_pretrained(export) must give bertforge's ids on every probe, and
   AutoModelForMaskedLM's softmax must equal `bertforge fill-mask --json` over the whole
   vocabulary to 1e-4.
2. RoBERTa as transformers writes it: a random RobertaForMaskedLM (weights perturbed so that the
   logits are far from uniform) with a byte-level BPE tokenizer.json is read by fill-mask (same
   probabilities to 1e-4), evaluated, exported, and the export gives the same logits in HF.
Usage: hf_models_test.py BERTFORGE_BINARY WORKDIR [--probes N]
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import unicodedata

import numpy as np
import torch
import transformers
from transformers import AutoModelForMaskedLM, AutoTokenizer, PreTrainedTokenizerFast

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokenizer_json_test as tj  # noqa: E402  (corpus, probes, byte_level_bpe)
from tokenizers import AddedToken  # noqa: E402

TOL = 1e-4
BIN = WORK = None
FAILED = []
MASKED = ["The [MASK] of the protein binding.", "[MASK] cells were [MASK] in the genome.",
          "It was the first [MASK].", "they're [MASK] after the mutation of two receptor"]


def check(cond, what):
    if not cond:
        FAILED.append(what)
        print("FAIL:", what, flush=True)


def bf(*args):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        raise SystemExit(f"bertforge {' '.join(args)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return p.stdout


def write_corpus(path, lines):
    with open(path, "w") as f:
        for i, line in enumerate(lines):
            f.write(line.replace("\n", " ") + "\n")
            if i % 6 == 5:
                f.write("\n")


def train(name, corpus, tokenizer, architecture):
    run = os.path.join(WORK, name)
    cfg = {"run_dir": run, "seed": 7, "tokenizer": tokenizer,
           "data": {"train_files": [corpus], "valid_fraction": 0.05, "max_seq_len": 48,
                    "nsp": architecture == "bert"},
           "model": {"architecture": architecture, "layers": 2, "hidden": 32, "heads": 2,
                     "intermediate": 64, "max_position": 64},
           "train": {"steps": 40, "batch_size": 16, "lr": 0.003, "warmup_steps": 4,
                     "log_every": 20, "eval_every": 0, "save_every": 40, "threads": 2,
                     "tensorboard": False}}
    path = os.path.join(WORK, name + ".json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    bf("pipeline", "--config", path)
    out = os.path.join(WORK, name + "-export")
    bf("export", "--checkpoint", run, "--out", out, "--force")
    return run, out


def bf_ids(src, texts, specials):
    """bertforge's ids of each text (one `tokenize --lines` call)."""
    path = os.path.join(WORK, "lines.jsonl")
    with open(path, "w") as f:
        for t in texts:
            f.write(json.dumps(t) + "\n")
    args = ["tokenize", "--checkpoint", src, "--lines", path] + (["--specials"] if specials else [])
    return [json.loads(line)["ids"] for line in bf(*args).splitlines()]


def fill_mask_input(src, hf_tok, text, adopted):
    """The ids fill-mask feeds the model: HF's own encoding for an adopted tokenizer.json, else
    [CLS] + the pieces between the masks + [SEP] (bertforge's layout, built from its tokenize)."""
    if adopted:
        return hf_tok(text.replace("[MASK]", hf_tok.mask_token))["input_ids"]
    parts = text.split("[MASK]")
    enc = bf_ids(src, parts, False)
    ids = [hf_tok.cls_token_id]
    for i, p in enumerate(enc):
        ids += p
        if i + 1 < len(enc):
            ids.append(hf_tok.mask_token_id)
    return ids + [hf_tok.sep_token_id]


def compare_fill_mask(src, hf_dir, model, hf_tok, adopted, label):
    """Max |p_bertforge - p_hf| over the vocabulary (structural specials excluded) of every mask."""
    V = model.config.vocab_size
    structural = {hf_tok.pad_token_id, hf_tok.cls_token_id, hf_tok.sep_token_id,
                  hf_tok.mask_token_id}
    worst = 0.0
    for text in MASKED:
        ids = fill_mask_input(src, hf_tok, text, adopted)
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids])).logits[0]
        probs = torch.softmax(logits.double(), -1).numpy()
        got = json.loads(bf("fill-mask", "--checkpoint", src, "--json", "--top-k", str(V), text))
        positions = [i for i, t in enumerate(ids) if t == hf_tok.mask_token_id]
        check(len(got) == len(positions), f"{label}: {len(got)} masks vs {len(positions)} in HF")
        for preds, pos in zip(got, positions):
            mine = np.zeros(V)
            for p in preds:
                mine[p["id"]] = p["probability"]
            keep = [i for i in range(V) if i not in structural]
            worst = max(worst, float(np.abs(mine[keep] - probs[pos][keep]).max()))
    check(worst <= TOL, f"{label}: fill-mask probabilities differ from transformers by {worst:.3g}")
    return worst


def extends_grapheme(text):
    """True when a character of `text` extends the grapheme before it (a combining mark, ZWJ/ZWNJ,
    a variation selector, an emoji skin tone)."""
    return any(unicodedata.category(c) in ("Mn", "Me", "Mc") or c in "\u200c\u200d\ufe0e\ufe0f"
               or 0x1F3FB <= ord(c) <= 0x1F3FF for c in text)


SPELLED = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "<s>", "</s>", "<pad>", "<unk>", "<mask>")


def spells_piece(text):
    """True when `text` spells a special token or a byte piece (<0x41>)."""
    return any(s in text for s in SPELLED) or re.search(r"<0x[0-9A-F]{2}>", text) is not None


def check_literal(name, out, texts, adopted):
    """Texts that spell a special or a byte piece. bertforge's own kinds read them as text (never as
    the special), as HF does with split_special_tokens=True: they must agree with that. Except where
    HF's Unigram model itself matches a control or byte piece's spelling (its vocabulary holds
    "[CLS]" and "<0x41>" as ordinary pieces; SentencePiece's does not): counted and reported. An
    adopted tokenizer.json is the library's behaviour throughout (specials read from text)."""
    hf_tok = AutoTokenizer.from_pretrained(out)
    unigram = json.load(open(os.path.join(out, "tokenizer.json")))["model"]["type"] == "Unigram"
    mine = bf_ids(out, texts, adopted)
    bad = 0
    for text, ids in zip(texts, mine):
        want = hf_tok(text, split_special_tokens=not adopted)["input_ids"]
        if not adopted:
            ids = [hf_tok.cls_token_id] + ids + [hf_tok.sep_token_id]
        bad += ids != want
    if unigram and not adopted:
        print(f"  {name}: {bad} of {len(texts)} texts spelling a special or byte piece differ "
              "(HF's Unigram matches the spelled piece)")
    else:
        check(bad == 0, f"{name}: {bad} of {len(texts)} texts spelling a special or byte piece "
              "tokenized differently by HF")
        print(f"  {name}: {len(texts)} texts spelling a special or byte piece, {bad} differ")


def check_export(name, run, out, probe_texts, adopted):
    """AutoTokenizer(export) against bertforge's tokenizer on every probe. SentencePiece exports
    carry the model's precompiled normalizer, which `tokenizers` applies per grapheme cluster;
    bertforge applies it the same way (tokenizer/hf_precompiled.h), so the probes with grapheme
    extenders must agree too (they are counted for the report)."""
    hf_tok = AutoTokenizer.from_pretrained(out)
    check(hf_tok.is_fast, f"{name}: AutoTokenizer did not load a fast tokenizer")
    spm = os.path.exists(os.path.join(out, "spiece.model"))
    mine = bf_ids(out, probe_texts, adopted)
    bad = extended = 0
    for text, ids in zip(probe_texts, mine):
        want = hf_tok(text)["input_ids"]
        if not adopted:
            ids = [hf_tok.cls_token_id] + ids + [hf_tok.sep_token_id]
        extended += extends_grapheme(text)
        if ids != want:
            bad += 1
            if bad <= 3:
                print(f"  {name}: {text!r}\n    bertforge {ids}\n    HF        {want}")
    # SentencePiece unigram too: bertforge trains its scores on a 2^-7 grid, so SentencePiece's
    # float path sums and tokenizers' double sums tie alike; the export is PreTrainedTokenizerFast.
    check(bad == 0, f"{name}: {bad} of {len(probe_texts)} probes tokenized differently by HF")
    if spm:
        cls = json.load(open(os.path.join(out, "tokenizer_config.json")))["tokenizer_class"]
        check(cls == "PreTrainedTokenizerFast", f"{name}: tokenizer_class {cls}")
    model = AutoModelForMaskedLM.from_pretrained(out).eval()
    worst = compare_fill_mask(out, out, model, hf_tok, adopted, name)
    worst_ckpt = compare_fill_mask(run, out, model, hf_tok, adopted, name + " (checkpoint)")
    print(f"{name}: {type(model).__name__}, {len(probe_texts)} probes ({extended} with grapheme "
          f"extenders), {bad} differ; "
          f"fill-mask max diff {worst:.2e} (export), {worst_ckpt:.2e} (checkpoint)", flush=True)


def wordpiece_vocab(lines, d):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    t = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    t.normalizer = normalizers.BertNormalizer(lowercase=True)
    t.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    t.train_from_iterator(lines, trainers.WordPieceTrainer(
        vocab_size=500, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    os.makedirs(d, exist_ok=True)
    vocab = sorted(t.get_vocab().items(), key=lambda kv: kv[1])
    with open(os.path.join(d, "vocab.txt"), "w") as f:
        f.write("".join(tok + "\n" for tok, _ in vocab))
    return os.path.join(d, "vocab.txt")


def roberta_tokenizer(lines, d):
    t = tj.byte_level_bpe(lines, False, ["<s>", "<pad>", "</s>", "<unk>", "<mask>"], vocab=600)
    t.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False)])
    os.makedirs(d, exist_ok=True)
    t.save(os.path.join(d, "tokenizer.json"))
    return t


def perturb(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.2)


def modernbert_tokenizer(lines, d):
    ms = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
    t = tj.byte_level_bpe(lines, False, ms, vocab=600, post="template")
    t.add_special_tokens([AddedToken("[MASK]", lstrip=True, special=True, normalized=False)])
    os.makedirs(d, exist_ok=True)
    t.save(os.path.join(d, "tokenizer.json"))
    return t


def hf_built(kind, lines, corpus):
    """A random model transformers builds and saves (RoBERTa, or ModernBERT in the published
    layout), read by bertforge: fill-mask, evaluate, export, the export back in transformers."""
    d = os.path.join(WORK, "hf-" + kind)
    sizes = dict(hidden_size=64, num_hidden_layers=3, num_attention_heads=4, intermediate_size=128)
    if kind == "roberta":
        t = roberta_tokenizer(lines, d)
        cfg = transformers.RobertaConfig(
            vocab_size=t.get_vocab_size(), max_position_embeddings=66, type_vocab_size=1,
            pad_token_id=1, bos_token_id=0, eos_token_id=2, hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0, **sizes)
        names = dict(bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
                     cls_token="<s>", sep_token="</s>", mask_token="<mask>")
        cls = transformers.RobertaForMaskedLM
    else:
        t = modernbert_tokenizer(lines, d)
        cfg = transformers.ModernBertConfig(
            vocab_size=t.get_vocab_size(), max_position_embeddings=64, global_attn_every_n_layers=2,
            local_attention=8, pad_token_id=t.token_to_id("[PAD]"),
            cls_token_id=t.token_to_id("[CLS]"), sep_token_id=t.token_to_id("[SEP]"),
            bos_token_id=t.token_to_id("[CLS]"), eos_token_id=t.token_to_id("[SEP]"), **sizes)
        names = dict(unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
                     mask_token="[MASK]")
        cls = transformers.ModernBertForMaskedLM
    torch.manual_seed(0)
    model = cls(cfg).eval()
    perturb(model, 1)
    model.save_pretrained(d)
    if kind == "modernbert":  # the transformers 5 form only: the layer pattern as layer_types
        path = os.path.join(d, "config.json")
        with open(path) as f:
            c = json.load(f)
        for key in ("global_attn_every_n_layers", "global_rope_theta", "local_rope_theta"):
            c.pop(key, None)
        check(c.get("layer_types", [])[:3] == ["full_attention", "sliding_attention",
                                               "full_attention"], "modernbert: no layer_types")
        with open(path, "w") as f:
            json.dump(c, f, indent=2)
    PreTrainedTokenizerFast(tokenizer_object=t, **names).save_pretrained(d)
    hf_tok = AutoTokenizer.from_pretrained(d)
    worst = compare_fill_mask(d, d, model, hf_tok, True, kind + " (transformers-built)")
    ev = bf("evaluate", "--checkpoint", d, "--data", corpus, "--batches", "2", "--json")
    check("mlm" in ev, f"{kind}: evaluate printed no MLM numbers: {ev[:200]}")
    out = os.path.join(WORK, f"hf-{kind}-export")
    bf("export", "--checkpoint", d, "--out", out, "--force")
    back = AutoModelForMaskedLM.from_pretrained(out).eval()
    check(type(back) is cls, f"{kind}: the export loads as {type(back).__name__}")
    ids = torch.tensor([hf_tok("The cells of the genome, they're binding.")["input_ids"]])
    with torch.no_grad():
        diff = float((back(input_ids=ids).logits - model(input_ids=ids).logits).abs().max())
    check(diff <= TOL, f"{kind} export round trip: logits differ by {diff:.3g}")
    worst_export = compare_fill_mask(out, out, back, AutoTokenizer.from_pretrained(out), True,
                                     kind + " export")
    print(f"{kind} (transformers-built): fill-mask max diff {worst:.2e}; export logits "
          f"{diff:.2e}, export fill-mask {worst_export:.2e}", flush=True)


def main():
    global BIN, WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("work")
    ap.add_argument("--probes", type=int, default=600)
    a = ap.parse_args()
    BIN, WORK = os.path.abspath(a.bin), os.path.abspath(a.work)
    os.makedirs(WORK, exist_ok=True)
    torch.set_num_threads(2)
    print(f"interop: transformers {transformers.__version__}, torch {torch.__version__}")
    rng = random.Random(11)
    lines = tj.corpus(rng, 1500)
    corpus = os.path.join(WORK, "corpus.txt")
    write_corpus(corpus, lines)
    # Probes that spell no special or byte piece; those that do are checked apart (check_literal).
    texts = [p for p in tj.probes(rng, a.probes, []) if not spells_piece(p)]
    literal = [p for p in tj.probes(rng, a.probes // 4, list(SPELLED) + ["<0x41>", "<0xE2>"])
               if spells_piece(p)]

    for kind in ("roberta", "modernbert"):
        hf_built(kind, lines, corpus)
    runs = [("bert-wordpiece", {"model": wordpiece_vocab(lines, os.path.join(WORK, "wp"))},
             "bert", False),
            ("roberta-unigram", {"type": "unigram", "vocab_size": 400, "byte_fallback": False},
             "roberta", False),
            ("modernbert-bpe", {"type": "bpe", "vocab_size": 400, "byte_fallback": False},
             "modernbert", False),
            ("bert-unigram-bytefallback",
             {"type": "unigram", "vocab_size": 650, "byte_fallback": True}, "bert", False)]
    roberta_tokenizer(lines, os.path.join(WORK, "bl"))
    runs.append(("roberta-bytelevel", {"model": os.path.join(WORK, "bl", "tokenizer.json")},
                 "roberta", True))
    for name, tok, arch, adopted in runs:
        run, out = train(name, corpus, tok, arch)
        check_export(name, run, out, texts, adopted)
        check_literal(name, out, literal, adopted)
    if FAILED:
        print(f"{len(FAILED)} check(s) failed")
        return 1
    print("all interop model checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
