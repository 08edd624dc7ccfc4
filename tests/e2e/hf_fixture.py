#!/usr/bin/python3
"""A tiny HuggingFace BERT directory written with numpy alone, and a numpy reference of its math.

Used by tests/e2e/hf_import_test.py. Nothing here is shared with bertforge's C++ code: the
safetensors writer and reader, the vocabulary, the weights and the forward pass are written from
the published formats (safetensors, HF's BertConfig / BertForPreTraining parameter names, BERT's
vocab.txt) and HuggingFace's BertForMaskedLM math.

  write_hf_bert(dir, variant, seed)  writes vocab.txt, tokenizer_config.json, config.json and the
                                     weights of one variant (VARIANTS); returns the canonical
                                     tensors (BertForPreTraining names, the values as stored,
                                     i.e. after rounding for fp16/bf16) as float64 arrays
  mlm_probs(tensors, ids)            HF BertForMaskedLM's softmax over the vocabulary at every
                                     position of one sequence (token types 0, all attended)
  tokenize(text)                     reference WordPiece pieces of `text` with VOCAB
  read_safetensors(path)             ({name: array}, metadata) of a safetensors file
  write_corpus(path, docs, seed)     a domain corpus of the vocabulary's words

Run as a script to write one directory:
  python3 tests/e2e/hf_fixture.py OUT_DIR [--variant pretraining] [--seed 0]
"""
import argparse
import json
import math
import os
import random
import struct
import sys

import numpy as np

HIDDEN, LAYERS, HEADS, INTERMEDIATE, MAX_POS, TYPE_VOCAB = 32, 2, 2, 64, 64, 2
LN_EPS = 1e-12

VARIANTS = ("pretraining", "maskedlm", "legacy", "noprefix", "fp16", "bf16", "sharded", "pickle",
            "roberta")

# ----------------------------------------------------------------------------------------------
# the vocabulary

CHARS = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)] + \
    list(".,;:!?'\"-()")
SUFFIXES = ["##s", "##ed", "##ing", "##ly", "##er"]

DETERMINERS = ["the", "a", "every", "one", "that", "this", "some", "his", "her", "their"]
ADJECTIVES = ["old", "small", "happy", "quiet", "brave", "lazy", "young", "jolly", "big", "red",
              "green", "quick", "slow", "warm", "cold", "wet", "dry", "tall"]
NOUNS = ["farmer", "dog", "horse", "cow", "pig", "goat", "hen", "boy", "girl", "cat", "bird",
         "sheep", "ox", "duck", "lamb", "mule"]
OBJECTS = ["barn", "field", "fence", "hay", "wagon", "gate", "quilt", "pond", "mill", "tree",
           "apple", "river", "road", "house", "milk", "egg", "bread", "corn", "wheat", "grass"]
VERBS_PAST = ["fed", "chased", "milked", "walked", "saw", "liked", "helped", "fixed", "ate", "ran",
              "found", "carried", "painted", "watched"]
VERBS = ["walk", "help", "fix", "call", "sleep", "jump", "play", "work", "look", "sing"]
TIMES = ["in the morning", "after the rain", "by the pond", "at dusk", "near the mill",
         "before night", "on a warm day", "under the moon", "with the sun"]
OTHER_WORDS = ["and", "but", "then", "in", "on", "at", "by", "near", "after", "before", "with",
               "of", "to", "from", "under", "was", "is", "were", "it", "he", "she", "they",
               "we", "very", "not", "all", "night", "day", "moon", "sun", "dusk", "rain",
               "morning", "yes", "no", "so", "too"]


def _unique(seq):
    seen, out = set(), []
    for t in seq:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def build_vocab():
    """BERT's layout: [PAD] 0, [unused0..98] 1-99, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103,
    then characters, their "##" forms, suffix pieces and whole words."""
    head = ["[PAD]"] + ["[unused%d]" % i for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]",
                                                                 "[MASK]"]
    words = DETERMINERS + ADJECTIVES + NOUNS + OBJECTS + VERBS_PAST + VERBS + OTHER_WORDS
    rest = CHARS + ["##" + c for c in CHARS] + SUFFIXES + words
    return head + _unique(t for t in rest if t not in head)


VOCAB = build_vocab()
VOCAB_SIZE = len(VOCAB)
TOKEN_ID = {t: i for i, t in enumerate(VOCAB)}
PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID = 0, 100, 101, 102, 103
assert VOCAB[UNK_ID] == "[UNK]" and VOCAB[MASK_ID] == "[MASK]" and 300 <= VOCAB_SIZE <= 400

# ----------------------------------------------------------------------------------------------
# reference WordPiece: the colleague's tests/tokenizer/wordpiece_reference.py when it is there,
# else greedy longest-match-first with BERT's basic tokenizer for (lowercased, accent-stripped)
# text

try:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                    "tokenizer"))
    from wordpiece_reference import tokenize as _reference_tokenize  # noqa: E402
except ImportError:
    _reference_tokenize = None


def _fallback_tokenize(text, vocab):
    import unicodedata

    def is_punct(ch):
        cp = ord(ch)
        return (33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126 or
                unicodedata.category(ch).startswith("P"))

    text = "".join(" " if ch in "\t\n\r" or unicodedata.category(ch) == "Zs" else ch
                   for ch in text if not unicodedata.category(ch).startswith("C") or ch in "\t\n\r")
    basic = []
    for word in text.split():
        word = "".join(c for c in unicodedata.normalize("NFD", word.lower())
                       if unicodedata.category(c) != "Mn")
        cur = ""
        for ch in word:
            if is_punct(ch):
                basic += [cur, ch] if cur else [ch]
                cur = ""
            else:
                cur += ch
        if cur:
            basic.append(cur)
    out = []
    for token in basic:
        pieces, start = [], 0
        while start < len(token):
            end = len(token)
            while end > start and ((start > 0) * "##" + token[start:end]) not in vocab:
                end -= 1
            if end == start:
                pieces = ["[UNK]"]
                break
            pieces.append((start > 0) * "##" + token[start:end])
            start = end
        out += pieces
    return out


def tokenize(text):
    """The WordPiece pieces of `text` under VOCAB (uncased, accents stripped)."""
    vocab = set(VOCAB)
    if _reference_tokenize is not None:
        return _reference_tokenize(text, vocab, lowercase=True, strip=True, chinese=True)
    return _fallback_tokenize(text, vocab)


def encode(text):
    return [TOKEN_ID[p] for p in tokenize(text)]


def fill_mask_ids(text):
    """The ids bertforge's fill-mask feeds the model: [CLS], the text's pieces with each literal
    "[MASK]" as one [MASK] id, [SEP]."""
    ids = [CLS_ID]
    parts = text.split("[MASK]")
    for k, part in enumerate(parts):
        ids += encode(part)
        if k + 1 < len(parts):
            ids.append(MASK_ID)
    return ids + [SEP_ID]

# ----------------------------------------------------------------------------------------------
# the weights


def _layer_names(i):
    p = "bert.encoder.layer.%d." % i
    return [p + m for m in ("attention.self.query", "attention.self.key", "attention.self.value",
                            "attention.output.dense", "attention.output.LayerNorm",
                            "intermediate.dense", "output.dense", "output.LayerNorm")]


def canonical_shapes():
    """{BertForPreTraining name: shape}, in HF's order; linear weights (out, in)."""
    h, i, v = HIDDEN, INTERMEDIATE, VOCAB_SIZE
    s = {"bert.embeddings.word_embeddings.weight": (v, h),
         "bert.embeddings.position_embeddings.weight": (MAX_POS, h),
         "bert.embeddings.token_type_embeddings.weight": (TYPE_VOCAB, h),
         "bert.embeddings.LayerNorm.weight": (h,), "bert.embeddings.LayerNorm.bias": (h,)}
    for layer in range(LAYERS):
        for m in _layer_names(layer):
            if m.endswith("LayerNorm"):
                s[m + ".weight"], s[m + ".bias"] = (h,), (h,)
            elif m.endswith("intermediate.dense"):
                s[m + ".weight"], s[m + ".bias"] = (i, h), (i,)
            elif m.endswith("layer.%d.output.dense" % layer):
                s[m + ".weight"], s[m + ".bias"] = (h, i), (h,)
            else:
                s[m + ".weight"], s[m + ".bias"] = (h, h), (h,)
    s.update({"bert.pooler.dense.weight": (h, h), "bert.pooler.dense.bias": (h,),
              "cls.predictions.transform.dense.weight": (h, h),
              "cls.predictions.transform.dense.bias": (h,),
              "cls.predictions.transform.LayerNorm.weight": (h,),
              "cls.predictions.transform.LayerNorm.bias": (h,),
              "cls.predictions.bias": (v,),
              "cls.seq_relationship.weight": (2, h), "cls.seq_relationship.bias": (2,)})
    return s


def canonical_weights(seed):
    """{name: float32 array}: normal(0, 0.02) matrices, LayerNorm weights 1 + normal(0, 0.1),
    biases normal(0, 0.02). The same for every variant of one seed."""
    rng = np.random.RandomState(seed)
    out = {}
    for name, shape in canonical_shapes().items():
        if "LayerNorm.weight" in name:
            a = 1.0 + 0.1 * rng.standard_normal(shape)
        else:
            a = 0.02 * rng.standard_normal(shape)
        out[name] = a.astype("<f4")
    return out


def to_bf16_bits(a):
    """The top 16 bits of float32 `a`, rounded to nearest even (finite values), as uint16."""
    u = np.ascontiguousarray(a, dtype="<f4").view("<u4").astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype("<u2")


def from_bf16_bits(bits):
    return (bits.astype("<u4") << 16).view("<f4")


def _stored_name(name, variant):
    if variant == "legacy" and ".LayerNorm." in name:
        return name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias",
                                                                           "LayerNorm.beta")
    if variant == "noprefix":
        return name[len("bert."):] if name.startswith("bert.") else None
    if variant == "maskedlm":
        if name.startswith(("bert.pooler.", "cls.seq_relationship.")):
            return None
        if name == "cls.predictions.bias":
            return "cls.predictions.decoder.bias"
    return name


# ----------------------------------------------------------------------------------------------
# safetensors

_ST_DTYPES = {"F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "U8": "u1", "F64": "<f8"}


def write_safetensors(path, tensors, metadata=None):
    """tensors: [(name, dtype name, shape, raw little-endian bytes)]. The header is padded with
    spaces to a multiple of 8 bytes, as the reference implementation does."""
    header, blobs, pos = {}, [], 0
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [pos, pos + len(raw)]}
        blobs.append(raw)
        pos += len(raw)
    header["__metadata__"] = dict(metadata or {"format": "pt"})
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def read_safetensors(path):
    """({name: array}, metadata); BF16 comes back as float32. Checks offsets and sizes."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        dt = info["dtype"]
        np_dt = np.dtype("<u2" if dt == "BF16" else _ST_DTYPES[dt])
        count = int(np.prod(shape, dtype=np.int64))
        if not 0 <= begin <= end <= len(data) or end - begin != count * np_dt.itemsize:
            raise ValueError("%s: %s: offsets %s do not fit shape %s %s" %
                             (path, name, info["data_offsets"], shape, dt))
        a = np.frombuffer(data, dtype=np_dt, count=count, offset=begin).reshape(shape)
        out[name] = from_bf16_bits(a).reshape(shape) if dt == "BF16" else a
    return out, meta


# ----------------------------------------------------------------------------------------------
# the directory

def hf_config(variant):
    return {"architectures": ["BertForPreTraining" if variant != "noprefix" else "BertModel"],
            "model_type": "roberta" if variant == "roberta" else "bert",
            "vocab_size": VOCAB_SIZE, "hidden_size": HIDDEN, "num_hidden_layers": LAYERS,
            "num_attention_heads": HEADS, "intermediate_size": INTERMEDIATE,
            "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1, "max_position_embeddings": MAX_POS,
            "type_vocab_size": TYPE_VOCAB, "initializer_range": 0.02,
            "layer_norm_eps": LN_EPS, "pad_token_id": 0}


def write_hf_bert(directory, variant="pretraining", seed=0):
    """Writes the HF directory of `variant` into `directory` (created); returns the canonical
    tensors ({BertForPreTraining name: float64 array}) with the values the files hold."""
    if variant not in VARIANTS:
        raise ValueError("unknown variant %r (one of %s)" % (variant, ", ".join(VARIANTS)))
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "vocab.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(t + "\n" for t in VOCAB))
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump({"do_lower_case": True, "tokenizer_class": "BertTokenizer"}, f, indent=2)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(hf_config(variant), f, indent=2)

    weights = canonical_weights(seed)
    canonical, stored = {}, []
    for name, a in weights.items():
        if variant == "fp16":
            a16 = a.astype("<f2")
            raw, dtype, value = a16.tobytes(), "F16", a16.astype(np.float64)
        elif variant == "bf16":
            bits = to_bf16_bits(a)
            raw, dtype, value = bits.tobytes(), "BF16", from_bf16_bits(bits).astype(np.float64)
        else:
            raw, dtype, value = a.tobytes(), "F32", a.astype(np.float64)
        canonical[name] = value.reshape(a.shape)
        target = _stored_name(name, variant)
        if target is not None:
            stored.append((target, dtype, a.shape, raw))
    if variant == "maskedlm":
        emb = weights["bert.embeddings.word_embeddings.weight"]
        stored.append(("cls.predictions.decoder.weight", "F32", emb.shape, emb.tobytes()))
        pos = np.arange(MAX_POS, dtype="<i8").reshape(1, MAX_POS)
        stored.append(("bert.embeddings.position_ids", "I64", pos.shape, pos.tobytes()))

    if variant == "pickle":
        # What torch.save writes starts with a zip archive holding a pickle; bertforge must refuse
        # the file by its name without reading it.
        with open(os.path.join(directory, "pytorch_model.bin"), "wb") as f:
            f.write(b"PK\x03\x04" + b"\x80\x02}q\x00." + bytes(range(256)))
    elif variant == "sharded":
        half = len(stored) // 2
        files = [("model-00001-of-00002.safetensors", stored[:half]),
                 ("model-00002-of-00002.safetensors", stored[half:])]
        weight_map = {}
        for fname, part in files:
            write_safetensors(os.path.join(directory, fname), part)
            weight_map.update({t[0]: fname for t in part})
        total = sum(len(t[3]) for t in stored)
        with open(os.path.join(directory, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    else:
        write_safetensors(os.path.join(directory, "model.safetensors"), stored)
    return canonical


# ----------------------------------------------------------------------------------------------
# the reference forward pass (HF BertForMaskedLM, eval mode)

_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def layer_norm(x, w, b, eps=LN_EPS):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def mlm_probs(tensors, ids):
    """(T, V) float64: the softmax over the vocabulary at each position of `ids`, from the
    canonical tensors (write_hf_bert's return value)."""
    t = {k: np.asarray(v, dtype=np.float64) for k, v in tensors.items()}

    def linear(x, prefix):
        return x @ t[prefix + ".weight"].T + t[prefix + ".bias"]

    ids = np.asarray(ids, dtype=np.int64)
    n = len(ids)
    x = (t["bert.embeddings.word_embeddings.weight"][ids] +
         t["bert.embeddings.position_embeddings.weight"][:n] +
         t["bert.embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, t["bert.embeddings.LayerNorm.weight"], t["bert.embeddings.LayerNorm.bias"])
    d = HIDDEN // HEADS
    for i in range(LAYERS):
        p = "bert.encoder.layer.%d." % i
        q, k, v = (linear(x, p + "attention.self." + m).reshape(n, HEADS, d).transpose(1, 0, 2)
                   for m in ("query", "key", "value"))
        att = softmax(q @ k.transpose(0, 2, 1) / math.sqrt(d))  # (heads, T, T)
        ctx = (att @ v).transpose(1, 0, 2).reshape(n, HIDDEN)
        x = layer_norm(linear(ctx, p + "attention.output.dense") + x,
                       t[p + "attention.output.LayerNorm.weight"],
                       t[p + "attention.output.LayerNorm.bias"])
        inner = gelu(linear(x, p + "intermediate.dense"))
        x = layer_norm(linear(inner, p + "output.dense") + x, t[p + "output.LayerNorm.weight"],
                       t[p + "output.LayerNorm.bias"])
    h = gelu(linear(x, "cls.predictions.transform.dense"))
    h = layer_norm(h, t["cls.predictions.transform.LayerNorm.weight"],
                   t["cls.predictions.transform.LayerNorm.bias"])
    logits = h @ t["bert.embeddings.word_embeddings.weight"].T + t["cls.predictions.bias"]
    return softmax(logits)


# ----------------------------------------------------------------------------------------------
# a domain corpus of the vocabulary's words (with inflections that WordPiece splits: dog ##s,
# jump ##ing, quick ##ly, play ##er)

def _sentence(rng):
    def noun():
        return rng.choice(NOUNS) + ("s" if rng.random() < 0.3 else "")

    kind = rng.randrange(4)
    if kind == 0:
        words = [rng.choice(DETERMINERS), rng.choice(ADJECTIVES), noun(), rng.choice(VERBS_PAST),
                 "the", rng.choice(OBJECTS), rng.choice(TIMES)]
    elif kind == 1:
        words = ["the", noun(), "was", rng.choice(VERBS) + "ing", rng.choice(["near", "by", "to"]),
                 "the", rng.choice(OBJECTS)]
        if rng.random() < 0.5:
            words.insert(3, rng.choice(["quick", "slow", "warm", "quiet"]) + "ly")
    elif kind == 2:
        words = [rng.choice(["he", "she", "they", "we"]), rng.choice(VERBS_PAST), "a",
                 rng.choice(ADJECTIVES), rng.choice(OBJECTS) + ",", "and", "then",
                 rng.choice(VERBS_PAST), "the", noun()]
    else:
        words = ["that", rng.choice(VERBS) + "er", "is", "very", rng.choice(ADJECTIVES), "and",
                 rng.choice(["not", "too", "so"]), rng.choice(ADJECTIVES)]
    s = " ".join(words) + rng.choice([".", ".", ".", "!", "?"])
    return s[0].upper() + s[1:]


def write_corpus(path, docs, seed):
    """`docs` documents of about 5 sentences, one per line, a blank line after each."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        for _ in range(docs):
            for _ in range(rng.randint(4, 6)):
                f.write(_sentence(rng) + "\n")
            f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--variant", default="pretraining", choices=VARIANTS)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    tensors = write_hf_bert(args.out, args.variant, args.seed)
    print("wrote %s (%s, vocab %d, %d canonical tensors)" %
          (args.out, args.variant, VOCAB_SIZE, len(tensors)))


if __name__ == "__main__":
    main()
