#!/usr/bin/env python3
"""bertforge's tokenizer.json reader against the real HuggingFace `tokenizers` library.

Builds tokenizers of each family with the library (trained on a small generated corpus), saves
their tokenizer.json, and requires `bertforge tokenize --lines` to give the library's ids and
char offsets for every probe of a large hostile probe set (also with add_special_tokens=True on a
subset, and through a model directory for one family). Usage:
    tokenizer_json_test.py BERTFORGE_BINARY WORKDIR [--probes N]
Exit status 0 when every probe agrees; prints per-family counts and the first differences.
"""
import argparse
import json
import os
import random
import subprocess
import sys

from tokenizers import (AddedToken, Regex, Tokenizer, decoders, models, normalizers,
                        pre_tokenizers, processors, trainers)

WORDS = ("the of and to in is was for on that with as by at from his her it an were are which "
         "this be or has had not but first one their its new after who they have two been other "
         "also into more only over can time some would during most between under three then "
         "protein binding receptor kinase mutation genome sequencing transcription antibody "
         "cell cells neurons synaptic don't it's we'll they're I'm you've she'd").split()
POOLS = {
    "latin": "café naïve résumé Ångström Zürich façade crème brûlée São Paulo Łódź Ærø straße",
    "decomposed": "cafe\u0301 nai\u0308ve re\u0301sume\u0301 A\u030angstro\u0308m",
    "cjk": "漢字文化圈中华人民共和国日本語の文章です東京都渋谷区",
    "kana": "ひらがなカタカナｶﾀｶﾅ",
    "hangul": "한국어 문장입니다 서울특별시",
    "emoji": "👍 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇩🇪 ❤️ 🤷🏾‍♀️ 😀😃😄",
    "combining": "a\u0301\u0302\u0303 e\u0300\u0316 Z\u0351\u0352\u0353 o\u20dd",
    "rtl": "مرحبا بالعالم \u200fשלום עולם\u200e العربية",
    "indic": "नमस्ते दुनिया हिन्दी क्षत्रिय தமிழ்",
    "thai": "ภาษาไทยสวัสดี",
    "control": "\x00\x07\x1b\x7f\u0085\u200b\u200c\u200d\ufeff\u2028\u2029\ufffd",
    "spaces": "  \t\n\r\n\u00a0\u3000\u2002   \n\n\n",
    "digits": "0123456789 ١٢٣ ४५६ ½ ² ⅷ 3.14159 1,000,000",
    "punct": "!?.,;:'\"()[]{}<>@#$%^&*-_=+/\\|~`«»“”‘’—–…¿¡",
}


def corpus(rng, n):
    lines = []
    pool_text = " ".join(POOLS.values())
    for _ in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 25))]
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words) + 1), rng.choice(pool_text.split() or ["x"]))
        line = " ".join(words)
        lines.append(line[0].upper() + line[1:] + rng.choice([".", "!", "?", ""]))
    return lines


def probes(rng, n, specials):
    fixed = [
        "", " ", "  ", "\n", "\n\n\n", " \n \n ", "\t\t", "a", " a", "a ", "  leading", "trailing  ",
        "Hello world", "Hello  world", "Hello\nworld", "Hello\r\nworld", "it's we'll they're",
        "don't DON'T Don't", "x" * 300, "supercalifragilisticexpialidocious" * 8,
        "a" * 1000, "ab" * 257, "🙂" * 40, "é" * 120, "中" * 90,
    ]
    for pool in POOLS.values():
        fixed.append(pool)
        fixed.extend(pool.split())
    for s in specials:
        fixed += [s, " " + s, s + " ", "a" + s + "b", "a " + s + " b", s + s, "  " + s + "  x",
                  "The capital of France is " + s + ".", s.lower(), s.upper()]
    chunks = list(WORDS) + [c for pool in POOLS.values() for c in pool] + \
        [w for pool in POOLS.values() for w in pool.split()] + list(specials) * 3
    out = list(fixed)
    while len(out) < n:
        k = rng.randint(1, 30)
        parts = []
        for _ in range(k):
            parts.append(rng.choice(chunks))
            parts.append(rng.choice(["", " ", " ", " ", "  ", "\n", "\t", "\u00a0", ""]))
        out.append("".join(parts))
    return out[:max(n, len(fixed))]


def byte_level_bpe(lines, prefix_space, specials, vocab=700, trim=True, post="roberta"):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=prefix_space)
    tok.decoder = decoders.ByteLevel()
    tr = trainers.BpeTrainer(vocab_size=vocab, special_tokens=specials,
                             initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(lines, tr)
    if post == "roberta":
        tok.post_processor = processors.RobertaProcessing(
            ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")),
            trim_offsets=trim, add_prefix_space=prefix_space)
    elif post == "template":
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
            special_tokens=[("[CLS]", tok.token_to_id("[CLS]")),
                            ("[SEP]", tok.token_to_id("[SEP]"))])
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=trim)
    return tok


def build_all(lines):
    out = {}
    rs = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    t = byte_level_bpe(lines, False, rs)
    t.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False)])
    out["roberta_bpe"] = t
    t = byte_level_bpe(lines, True, rs, post="bytelevel", trim=False)
    out["gpt2_bpe_prefix_space"] = t
    ms = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
    t = byte_level_bpe(lines, False, ms, vocab=900, post="template")
    t.normalizer = normalizers.NFC()
    t.add_special_tokens([AddedToken("[MASK]", lstrip=True, special=True, normalized=False)])
    t.add_tokens([AddedToken("   ", normalized=True), AddedToken("\t\t", normalized=True),
                  AddedToken("|||IP_ADDRESS|||", single_word=True, rstrip=True)])
    out["modernbert_bpe"] = t

    for cased in (False, True):
        t = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
        t.normalizer = normalizers.BertNormalizer(lowercase=not cased)
        t.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        t.train_from_iterator(lines, trainers.WordPieceTrainer(
            vocab_size=800, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
        cls, sep = t.token_to_id("[CLS]"), t.token_to_id("[SEP]")
        if cased:
            t.post_processor = processors.BertProcessing(("[SEP]", sep), ("[CLS]", cls))
        else:
            t.post_processor = processors.TemplateProcessing(
                single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
        t.decoder = decoders.WordPiece()
        out["bert_wordpiece_" + ("cased" if cased else "uncased")] = t

    for scheme, lower in (("always", False), ("first", True)):
        t = Tokenizer(models.Unigram())
        norms = [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
        if lower:
            norms += [normalizers.Lowercase(), normalizers.StripAccents(), normalizers.Strip()]
        t.normalizer = normalizers.Sequence(norms)
        t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme=scheme)
        t.decoder = decoders.Metaspace(replacement="▁", prepend_scheme=scheme)
        sp = ["<pad>", "<unk>", "<s>", "</s>", "<mask>"] if not lower else \
            ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        t.train_from_iterator(lines, trainers.UnigramTrainer(
            vocab_size=700, special_tokens=sp, unk_token=sp[1]))
        t.post_processor = processors.TemplateProcessing(
            single=f"{sp[2]} $A {sp[3]}",
            special_tokens=[(sp[2], t.token_to_id(sp[2])), (sp[3], t.token_to_id(sp[3]))])
        out["unigram_metaspace_" + scheme] = t

    t = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    t.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    t.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(),
                                   decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    t.train_from_iterator(lines, trainers.BpeTrainer(
        vocab_size=600, special_tokens=["<unk>", "<s>", "</s>", "<pad>", "<mask>"],
        limit_alphabet=60))
    out["llama_bpe_byte_fallback"] = with_byte_tokens(t)

    t = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##",
                             end_of_word_suffix="</w>"))
    t.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase()])
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Punctuation()])
    t.train_from_iterator(lines, trainers.BpeTrainer(
        vocab_size=700, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
        continuing_subword_prefix="##", end_of_word_suffix="</w>", limit_alphabet=80))
    out["bpe_affixes_whitespace"] = t
    out.update(precompiled_unigrams(lines))
    return out


def spm_charsmap(model):
    """The precompiled_charsmap of a serialized SentencePiece ModelProto (field 3, the
    NormalizerSpec, its field 2), read from the protobuf wire format."""
    def fields(b):
        i = 0
        while i < len(b):
            key, i = varint(b, i)
            wire = key & 7
            if wire == 0:
                v, i = varint(b, i)
            elif wire == 1:
                v, i = b[i:i + 8], i + 8
            elif wire == 5:
                v, i = b[i:i + 4], i + 4
            else:
                n, i = varint(b, i)
                v, i = b[i:i + n], i + n
            yield key >> 3, v

    def varint(b, i):
        r = s = 0
        while True:
            c = b[i]
            i += 1
            r |= (c & 0x7f) << s
            s += 7
            if c < 0x80:
                return r, i

    spec = next(v for f, v in fields(model) if f == 3)
    return next(v for f, v in fields(spec) if f == 2)


def precompiled_unigrams(lines):
    """Unigram tokenizers laid out as the HF conversions of SentencePiece models are (XLM-R,
    DeBERTa-v3): the real `sentencepiece` trains the model, whose character map (nmt_nfkc; nfkc_cf,
    which also case-folds) becomes a Precompiled normalizer."""
    import io
    import sentencepiece as spm
    out = {}
    for rule, strip in (("nmt_nfkc", False), ("nfkc_cf", True)):
        buf = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines), model_writer=buf, vocab_size=400, model_type="unigram",
            normalization_rule_name=rule, pad_id=3, pad_piece="<pad>",
            user_defined_symbols=["<mask>"], character_coverage=0.9995, hard_vocab_limit=False,
            minloglevel=2)
        proc = spm.SentencePieceProcessor(model_proto=buf.getvalue())
        vocab = [(proc.id_to_piece(i), proc.get_score(i)) for i in range(proc.get_piece_size())]
        t = Tokenizer(models.Unigram(vocab, unk_id=proc.unk_id(), byte_fallback=False))
        norms = [normalizers.Precompiled(spm_charsmap(buf.getvalue())),
                 normalizers.Replace(Regex(" {2,}"), " ")]
        if strip:
            norms.insert(0, normalizers.Strip(left=False, right=True))
        t.normalizer = normalizers.Sequence(norms)
        t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
        t.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
        t.add_special_tokens([AddedToken(p, special=True, normalized=False)
                              for p in ("<unk>", "<s>", "</s>", "<pad>")])
        t.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False)])
        t.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
            special_tokens=[("<s>", t.token_to_id("<s>")), ("</s>", t.token_to_id("</s>"))])
        out["spm_unigram_precompiled_" + rule] = t
    return out


def with_byte_tokens(tok):
    """Appends <0x00>..<0xFF> to a BPE vocabulary (as Llama's has them)."""
    j = json.loads(tok.to_str())
    vocab = j["model"]["vocab"]
    for b in range(256):
        vocab.setdefault(f"<0x{b:02X}>", len(vocab))
    return Tokenizer.from_str(json.dumps(j))


def legacy_merges(tok):
    """The same tokenizer with merges written as "a b" strings (older files)."""
    j = json.loads(tok.to_str())
    j["model"]["merges"] = [" ".join(m) if isinstance(m, list) else m for m in j["model"]["merges"]]
    j["model"]["ignore_merges"] = True
    return Tokenizer.from_str(json.dumps(j))


def run_bertforge(binary, workdir, name, model_ref, probe_file, specials):
    cfg = os.path.join(workdir, name + ".config.json")
    with open(cfg, "w") as f:
        json.dump({"run_dir": os.path.join(workdir, "run-" + name),
                   "tokenizer": {"model": model_ref}}, f)
    cmd = [binary, "tokenize", "--config", cfg, "--lines", probe_file]
    if specials:
        cmd.append("--specials")
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"{name}: bertforge failed ({res.returncode}): {res.stderr.strip()[-2000:]}")
    return [json.loads(line) for line in res.stdout.splitlines()]


def compare(name, tok, got, texts, specials, report):
    id_bad = off_bad = 0
    worst = None
    for text, g in zip(texts, got):
        want = tok.encode(text, add_special_tokens=specials)
        ids_ok = g["ids"] == want.ids
        offs_ok = [tuple(o) for o in g["offsets"]] == list(want.offsets)
        if not ids_ok:
            id_bad += 1
            diff = sum(a != b for a, b in zip(g["ids"], want.ids)) + abs(len(g["ids"]) - len(want.ids))
            if worst is None or diff > worst[0]:
                worst = (diff, text, want.tokens, g["pieces"])
        elif not offs_ok:
            off_bad += 1
            if worst is None:
                worst = (0, text, list(want.offsets), g["offsets"])
    report.append((name, specials, len(texts), id_bad, off_bad, worst))
    return id_bad == 0 and off_bad == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("workdir")
    ap.add_argument("--probes", type=int, default=3000)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    rng = random.Random(20260622)
    lines = corpus(rng, 4000)
    toks = build_all(lines)
    toks["roberta_bpe_legacy_merges_ignore_merges"] = legacy_merges(toks["roberta_bpe"])
    specials = ["<s>", "</s>", "<mask>", "<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]", "[UNK]",
                "|||IP_ADDRESS|||", "<0x41>"]
    texts = probes(rng, a.probes, specials)
    probe_file = os.path.join(a.workdir, "probes.jsonl")
    with open(probe_file, "w") as f:
        for t in texts:
            f.write(json.dumps(t) + "\n")
    subset = [t for t in texts if t][:300]
    subset_file = os.path.join(a.workdir, "probes_subset.jsonl")
    with open(subset_file, "w") as f:
        for t in subset:
            f.write(json.dumps(t) + "\n")
    report, ok = [], True
    for name, tok in toks.items():
        path = os.path.join(a.workdir, name + ".json")
        tok.save(path)
        ref = path
        if name == "roberta_bpe":  # adopted as a model directory holding tokenizer.json
            d = os.path.join(a.workdir, name + "-dir")
            os.makedirs(d, exist_ok=True)
            tok.save(os.path.join(d, "tokenizer.json"))
            ref = d
        got = run_bertforge(a.binary, a.workdir, name, ref, probe_file, False)
        ok &= compare(name, tok, got, texts, False, report)
        got = run_bertforge(a.binary, a.workdir, name, ref, subset_file, True)
        ok &= compare(name, tok, got, subset, True, report)
    total = 0
    for name, sp, n, ib, ob, worst in report:
        total += n
        print(f"{name:42s} specials={int(sp)} probes={n:5d} id_mismatch={ib:4d} "
              f"offset_mismatch={ob:4d}")
        if worst:
            print(f"   largest difference ({worst[0]} ids): text={worst[1]!r}\n"
                  f"   tokenizers={worst[2]!r}\n   bertforge ={worst[3]!r}")
    print(f"tokenizers {len(toks)}, probe encodings compared {total}: "
          f"{'all identical' if ok else 'DIFFERENCES'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
