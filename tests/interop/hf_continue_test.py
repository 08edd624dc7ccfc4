#!/usr/bin/env python3
"""Continuing the encoders people start from, as transformers itself writes them.

1. ModernBERT laid out like answerdotai/ModernBERT-base (config.json, model.safetensors,
   byte-level BPE tokenizer.json with [MASK] lstrip, tokenizer_config.json), built by transformers
   from a small random shape with non-default RoPE thetas and attention pattern, in both config
   spellings: transformers 4.x (global_attn_every_n_layers, global_rope_theta, local_rope_theta)
   and 5.x (layer_types, rope_parameters). fill-mask equals transformers' ModernBertForMaskedLM to
   1e-4 on each, and `evaluate` gives the same loss for both.
2. Text pairs: `tokenize --pair` (the input finetune builds) equals transformers' own pair
   encoding: RobertaTokenizerFast's <s> A </s></s> B </s> (token types 0) for the RoBERTa
   directory, [CLS] A [SEP] B [SEP] for the ModernBERT one.
3. XLM-R laid out as published (model_type xlm-roberta, XLMRobertaForMaskedLM weights, the
   tokenizer.json of a SentencePiece conversion: Precompiled nmt_nfkc map, Metaspace, Unigram;
   the SentencePiece model trained by the real sentencepiece): fill-mask equals transformers' to
   1e-4, pairs equal its <s> A </s></s> B </s>.
4. `pipeline --init-from DIR` on a small domain corpus lowers the held-out MLM loss, for the
   ModernBERT directory, a RobertaForMaskedLM directory built by transformers and the XLM-R one.
Usage: hf_continue_test.py BERTFORGE_BINARY WORKDIR
"""
import json
import os
import random
import shutil
import sys

import torch
import transformers
from transformers import PreTrainedTokenizerFast

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_models_test as hm  # noqa: E402  (bf, check, compare_fill_mask, tokenizers, perturb)
import tokenizer_json_test as tj  # noqa: E402  (corpus)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import e2e_common  # noqa: E402  (write_grammar_corpus)

STEPS = 150
SIZES = dict(hidden_size=64, num_hidden_layers=3, num_attention_heads=4, intermediate_size=128)
# Domain text: lab notes, words the general corpus (tj.corpus) does not use.
DOMAIN = [["the", "each", "one", "our", "that"],
          ["mutant", "wild-type", "knockout", "treated", "isolated", "purified"],
          ["kinase", "plasmid", "enzyme", "antibody", "ligand", "receptor", "promoter"],
          ["bound", "cleaved", "phosphorylated", "expressed", "inhibited", "silenced"],
          ["the", "a", "its"],
          ["substrate", "membrane", "fragment", "domain", "transcript", "complex"],
          ["in vitro", "at 37 degrees", "overnight", "in lysate", "after induction"]]


def domain_corpus(path, docs, seed):
    e2e_common.write_grammar_corpus(path, docs, seed, grammar=DOMAIN, sentences=(3, 7))
    return path


def modernbert_dir(d, lines):
    """ModernBertForMaskedLM saved by transformers (its own spelling), non-default RoPE thetas and
    a global layer every 2 with a local window of 8, so a misread key changes the logits."""
    t = hm.modernbert_tokenizer(lines, d)
    ids = {n: t.token_to_id(n) for n in ("[PAD]", "[CLS]", "[SEP]")}
    cfg = transformers.ModernBertConfig(
        vocab_size=t.get_vocab_size(), max_position_embeddings=64, global_attn_every_n_layers=2,
        local_attention=8, pad_token_id=ids["[PAD]"], cls_token_id=ids["[CLS]"],
        sep_token_id=ids["[SEP]"], bos_token_id=ids["[CLS]"], eos_token_id=ids["[SEP]"], **SIZES)
    if hasattr(cfg, "rope_parameters") and isinstance(cfg.rope_parameters, dict) and \
            "full_attention" in cfg.rope_parameters:
        cfg.rope_parameters["full_attention"]["rope_theta"] = 40000.0
        cfg.rope_parameters["sliding_attention"]["rope_theta"] = 2500.0
    else:
        cfg.global_rope_theta, cfg.local_rope_theta = 40000.0, 2500.0
    torch.manual_seed(0)
    model = transformers.ModernBertForMaskedLM(cfg).eval()
    hm.perturb(model, 2)
    model.save_pretrained(d)
    PreTrainedTokenizerFast(tokenizer_object=t, unk_token="[UNK]", pad_token="[PAD]",
                            cls_token="[CLS]", sep_token="[SEP]",
                            mask_token="[MASK]").save_pretrained(d)
    return model


def respell(src, dst, version):
    """A copy of `src` whose config.json has only the transformers `version` ("4" or "5") keys of
    the attention pattern and the RoPE thetas, as the published ModernBERT-base has them."""
    shutil.copytree(src, dst, dirs_exist_ok=True)
    path = os.path.join(dst, "config.json")
    with open(path) as f:
        c = json.load(f)
    layers = c["num_hidden_layers"]
    theta = {"full_attention": 40000.0, "sliding_attention": 2500.0}
    for key in ("layer_types", "rope_parameters", "global_attn_every_n_layers",
                "global_rope_theta", "local_rope_theta", "rope_theta"):
        c.pop(key, None)
    if version == "4":
        c.update(global_attn_every_n_layers=2, global_rope_theta=theta["full_attention"],
                 local_rope_theta=theta["sliding_attention"], transformers_version="4.48.0",
                 position_embedding_type="absolute", torch_dtype="float32")
        c.pop("dtype", None)
    else:
        c["layer_types"] = ["full_attention" if i % 2 == 0 else "sliding_attention"
                            for i in range(layers)]
        c["rope_parameters"] = {k: {"rope_type": "default", "rope_theta": v}
                                for k, v in theta.items()}
    with open(path, "w") as f:
        json.dump(c, f, indent=2)
    return dst


def roberta_dir(d, lines):
    t = hm.roberta_tokenizer(lines, d)
    cfg = transformers.RobertaConfig(
        vocab_size=t.get_vocab_size(), max_position_embeddings=66, type_vocab_size=1,
        pad_token_id=1, bos_token_id=0, eos_token_id=2, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, **SIZES)
    torch.manual_seed(0)
    model = transformers.RobertaForMaskedLM(cfg).eval()
    hm.perturb(model, 3)
    model.save_pretrained(d)
    fast = getattr(transformers, "RobertaTokenizerFast", transformers.RobertaTokenizer)
    fast(tokenizer_object=t, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
         pad_token="<pad>", cls_token="<s>", sep_token="</s>",
         mask_token="<mask>").save_pretrained(d)
    return model


def xlmr_dir(d, lines):
    """XLMRobertaForMaskedLM saved by transformers with an XLM-R-style tokenizer.json."""
    t = tj.precompiled_unigrams(lines)["spm_unigram_precompiled_nmt_nfkc"]
    ids = {n: t.token_to_id(n) for n in ("<s>", "<pad>", "</s>")}
    cfg = transformers.XLMRobertaConfig(
        vocab_size=t.get_vocab_size(), max_position_embeddings=64 + ids["<pad>"] + 2,
        type_vocab_size=1, pad_token_id=ids["<pad>"], bos_token_id=ids["<s>"],
        eos_token_id=ids["</s>"], hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
        **SIZES)
    torch.manual_seed(0)
    model = transformers.XLMRobertaForMaskedLM(cfg).eval()
    hm.perturb(model, 4)
    model.save_pretrained(d)
    PreTrainedTokenizerFast(tokenizer_object=t, bos_token="<s>", eos_token="</s>",
                            unk_token="<unk>", pad_token="<pad>", cls_token="<s>",
                            sep_token="</s>", mask_token="<mask>").save_pretrained(d)
    with open(os.path.join(d, "config.json")) as f:
        hm.check(json.load(f)["model_type"] == "xlm-roberta", "xlm-roberta: model_type")
    return model


def check_pairs(d, label):
    """bertforge's pair input (`tokenize --pair`) against transformers' tokenizer of `d`."""
    hf_tok = transformers.AutoTokenizer.from_pretrained(d)
    pairs = [("The kinase bound its substrate.", "Each mutant was purified overnight."),
             ("they're  here", "Café, 37 degrees!"), ("a", "b c d")]
    worst = 0
    for a, b in pairs:
        got = json.loads(hm.bf("tokenize", "--checkpoint", d, "--pair", b, a))
        want = hf_tok(a, b)
        same = got["ids"] == want["input_ids"]
        if "token_type_ids" in want and label in ("roberta", "xlm-roberta"):
            same = same and got["token_types"] == want["token_type_ids"]
        if not same:
            worst += 1
            print(f"  {label} pair {a!r} / {b!r}\n    bertforge {got}\n    HF {dict(want)}")
    hm.check(worst == 0, f"{label}: {worst} of {len(pairs)} pairs differ from {type(hf_tok).__name__}")
    print(f"{label}: {len(pairs) - worst} of {len(pairs)} pairs equal {type(hf_tok).__name__}'s",
          flush=True)


def held_out_loss(checkpoint, valid):
    out = hm.bf("evaluate", "--checkpoint", checkpoint, "--data", valid, "--batches", "8", "--json")
    return json.loads(out)["mlm_loss"]


def continue_from(d, label, train, valid):
    """pipeline --init-from d on the domain corpus; the held-out loss must fall."""
    run = os.path.join(hm.WORK, label + "-continued")
    cfg = {"run_dir": run, "seed": 5,
           "data": {"train_files": [train], "valid_files": [valid], "max_seq_len": 64,
                    "nsp": False, "threads": 2},
           "train": {"steps": STEPS, "batch_size": 16, "lr": 0.002, "warmup_steps": 10,
                     "log_every": 50, "eval_every": 0, "save_every": STEPS, "threads": 2,
                     "tensorboard": False}}
    path = os.path.join(hm.WORK, label + "-continue.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    before = held_out_loss(d, valid)
    hm.bf("pipeline", "--config", path, "--init-from", d)
    after = held_out_loss(os.path.join(run, "final"), valid)
    hm.check(after < before - 1.0, f"{label}: held-out loss {before:.3f} -> {after:.3f}")
    print(f"{label}: pipeline --init-from, {STEPS} steps: held-out MLM loss {before:.3f} -> "
          f"{after:.3f}", flush=True)


def main():
    hm.BIN, hm.WORK = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(hm.WORK, exist_ok=True)
    torch.set_num_threads(2)
    lines = tj.corpus(random.Random(13), 1500)
    general = os.path.join(hm.WORK, "general.txt")
    hm.write_corpus(general, lines)
    train = domain_corpus(os.path.join(hm.WORK, "domain.txt"), 300, 1)
    valid = domain_corpus(os.path.join(hm.WORK, "domain-valid.txt"), 30, 2)

    built = os.path.join(hm.WORK, "modernbert-built")
    model = modernbert_dir(built, lines)
    losses = {}
    for version in ("4", "5"):
        d = respell(built, os.path.join(hm.WORK, f"modernbert-tf{version}"), version)
        hf_tok = transformers.AutoTokenizer.from_pretrained(d)
        worst = hm.compare_fill_mask(d, d, model, hf_tok, True, f"modernbert (transformers {version}"
                                     ".x config)")
        losses[version] = held_out_loss(d, general)
        print(f"modernbert, transformers {version}.x config.json: fill-mask max diff {worst:.2e}, "
              f"evaluate loss {losses[version]:.6f}", flush=True)
    hm.check(losses["4"] == losses["5"], f"modernbert: evaluate loss {losses} differs by spelling")

    rdir = os.path.join(hm.WORK, "roberta-built")
    roberta_dir(rdir, lines)
    check_pairs(rdir, "roberta")
    xdir = os.path.join(hm.WORK, "xlm-roberta-built")
    xmodel = xlmr_dir(xdir, lines)
    worst = hm.compare_fill_mask(xdir, xdir, xmodel, transformers.AutoTokenizer.from_pretrained(
        xdir), True, "xlm-roberta")
    print(f"xlm-roberta (transformers-built, Precompiled tokenizer.json): fill-mask max diff "
          f"{worst:.2e}", flush=True)
    check_pairs(xdir, "xlm-roberta")
    check_pairs(os.path.join(hm.WORK, "modernbert-tf4"), "modernbert")

    continue_from(os.path.join(hm.WORK, "modernbert-tf4"), "modernbert", train, valid)
    continue_from(rdir, "roberta", train, valid)
    continue_from(xdir, "xlm-roberta", train, valid)
    if hm.FAILED:
        print(f"{len(hm.FAILED)} check(s) failed")
        return 1
    print("all interop continuation checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
