#!/usr/bin/python3
"""Writes the hand-made seeds of the fuzz targets into tests/fuzz/<target>/seeds/ (Debian's
python3 + numpy only). The real ones (from a tiny `bertforge pipeline` and `bertforge export`, and
configs/*.json) were copied in by hand; see tests/fuzz/README.md. Every file written here is
deterministic, so rerunning it changes nothing.
  /usr/bin/python3 tests/fuzz/make_seeds.py
"""
import gzip
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, target, "seeds")
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- safetensors: 8-byte little-endian header size, JSON header, data section ----

def safetensors(tensors, metadata=None, align=True):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, array) in tensors.items():
        raw = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    while align and (8 + len(h)) % 8:
        h += b" "
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def safetensors_seeds():
    rng = np.random.default_rng(0)
    f32 = rng.standard_normal((4, 8)).astype("<f4")
    put("safetensors_header", "f32.safetensors",
        safetensors({"bert.embeddings.word_embeddings.weight": ("F32", f32),
                     "bert.embeddings.LayerNorm.gamma": ("F32", np.ones(8, "<f4"))},
                    {"format": "pt"}))
    bf16 = (f32.view("<u4") >> 16).astype("<u2")
    put("safetensors_header", "mixed.safetensors",
        safetensors({"a.bf16": ("BF16", bf16), "b.f16": ("F16", f32.astype("<f2")),
                     "c.i64": ("I64", np.arange(6, dtype="<i8").reshape(2, 3)),
                     "d.i32": ("I32", np.arange(3, dtype="<i4")), "e.u8": ("U8", np.arange(5, dtype="u1")),
                     "f.bool": ("BOOL", np.array([1, 0, 1], "u1")),
                     "g.empty": ("F32", np.zeros((0, 4), "<f4")),
                     "h.scalar": ("F32", np.array(2.5, "<f4"))}))
    put("safetensors_header", "empty_header.safetensors", struct.pack("<Q", 2) + b"{}")
    bad = safetensors({"w": ("F32", np.ones(4, "<f4"))}, align=False)
    put("safetensors_header", "offsets_beyond.safetensors", bad[:-4])
    put("safetensors_header", "huge_header_size.safetensors", struct.pack("<Q", 1 << 63) + b"{}")
    h = b'{"w":{"dtype":5,"shape":[1],"data_offsets":[0,4]}}'
    put("safetensors_header", "dtype_number.safetensors", struct.pack("<Q", len(h)) + h + b"abcd")


# ---- HuggingFace config.json ----

BERT_BASE = {
    "architectures": ["BertForMaskedLM"], "attention_probs_dropout_prob": 0.1,
    "gradient_checkpointing": False, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
    "hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072,
    "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "model_type": "bert",
    "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 0,
    "position_embedding_type": "absolute", "transformers_version": "4.6.0.dev0",
    "type_vocab_size": 2, "use_cache": True, "vocab_size": 30522}

MODERNBERT_BASE = {
    "architectures": ["ModernBertForMaskedLM"], "attention_bias": False, "attention_dropout": 0.0,
    "bos_token_id": 50281, "classifier_activation": "gelu", "classifier_bias": False,
    "classifier_dropout": 0.0, "classifier_pooling": "mean", "cls_token_id": 50281,
    "decoder_bias": True, "deterministic_flash_attn": False, "embedding_dropout": 0.0,
    "eos_token_id": 50282, "global_attn_every_n_layers": 3, "global_rope_theta": 160000.0,
    "gradient_checkpointing": False, "hidden_activation": "gelu", "hidden_size": 768,
    "initializer_cutoff_factor": 2.0, "initializer_range": 0.02, "intermediate_size": 1152,
    "layer_norm_eps": 1e-05, "local_attention": 128, "local_rope_theta": 10000.0,
    "max_position_embeddings": 8192, "mlp_bias": False, "mlp_dropout": 0.0,
    "model_type": "modernbert", "norm_bias": False, "norm_eps": 1e-05, "num_attention_heads": 12,
    "num_hidden_layers": 22, "pad_token_id": 50283, "position_embedding_type": "absolute",
    "sep_token_id": 50282, "tie_word_embeddings": True, "torch_dtype": "float32",
    "transformers_version": "4.47.0.dev0", "vocab_size": 50368}


def hf_config_seeds():
    put("hf_config", "bert-base-uncased.json", json.dumps(BERT_BASE, indent=2) + "\n")
    put("hf_config", "modernbert-base.json", json.dumps(MODERNBERT_BASE, indent=2) + "\n")
    v5 = dict(MODERNBERT_BASE)
    for k in ("global_rope_theta", "local_rope_theta"):
        del v5[k]
    v5["rope_parameters"] = {"full_attention": {"rope_type": "default", "rope_theta": 160000.0},
                             "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}
    v5["layer_types"] = ["full_attention", "sliding_attention", "sliding_attention"] * 7 + \
        ["full_attention"]
    put("hf_config", "modernbert-transformers5.json", json.dumps(v5) + "\n")
    tiny = {"architectures": ["BertForPreTraining"], "model_type": "bert", "vocab_size": 100,
            "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
            "intermediate_size": 64, "hidden_act": "gelu", "max_position_embeddings": 64,
            "type_vocab_size": 2, "layer_norm_eps": 1e-12,
            "bertforge": {"step": 120, "nsp": False, "weights_checksum": "ab" * 32,
                          "config": {"run_dir": "runs/x", "seed": 7,
                                     "data": {"max_seq_len": 64, "nsp": False},
                                     "model": {"preset": "tiny", "hidden": 32, "heads": 2,
                                               "max_position": 64},
                                     "train": {"steps": 120, "batch_size": 8}}}}
    put("hf_config", "bertforge-export.json", json.dumps(tiny) + "\n")
    put("hf_config", "roberta.json", json.dumps(dict(BERT_BASE, model_type="roberta")) + "\n")


# ---- token shards (src/data/shard.h) ----

def shard(docs, vocab, checksum="0123456789abcdef" * 4):
    token_bytes = 2 if vocab <= 65536 else 4
    tokens, sentence_starts, doc_starts = [], [0], [0]
    for doc in docs:
        for s in doc:
            tokens += s
            sentence_starts.append(len(tokens))
        doc_starts.append(len(sentence_starts) - 1)
    header = b"BFSHARD1" + struct.pack("<IIIIQQQ", 1, token_bytes, vocab, 0, len(tokens),
                                       len(sentence_starts) - 1, len(doc_starts) - 1)
    header += checksum.encode()[:64].ljust(64, b"\0") + b"\0" * 16
    assert len(header) == 128
    body = np.array(tokens, "<u2" if token_bytes == 2 else "<u4").tobytes()
    body += b"\0" * (-len(body) % 8)
    return header + body + np.array(sentence_starts, "<u8").tobytes() + \
        np.array(doc_starts, "<u8").tobytes()


TRAIN_DOCS = [[[5, 6, 7], [8, 9]], [[10, 11, 12, 13]]]
VALID_DOCS = [[[20, 21], [22]]]


def shard_seeds():
    put("shard", "small.bin", shard(TRAIN_DOCS, 100))
    put("shard", "wide.bin", shard([[[70000, 5, 65536], [3]], [[99999]]], 100000))
    put("shard", "empty.bin", shard([], 8000))
    put("shard", "id_beyond_vocab.bin", shard([[[1, 2, 150]]], 100))
    put("shard", "truncated.bin", shard(TRAIN_DOCS, 100)[:-8])


# ---- the manifest, beside the shards manifest_fuzz.cpp writes (the same documents) ----

def manifest_seeds():
    def split(docs):
        data = shard(docs, 100)
        return {"documents": len(docs), "sentences": sum(len(d) for d in docs),
                "tokens": sum(len(s) for d in docs for s in d), "bytes": len(data)}
    train, valid = split(TRAIN_DOCS), split(VALID_DOCS)
    m = {"format_version": 1, "tokenizer_checksum": "0123456789abcdef" * 4,
         "tokenizer_model": "runs/x/tokenizer/spm.model", "vocab_size": 100, "token_bytes": 2,
         "inputs": {"files": [{"path": "data/a.txt", "bytes": 1234, "mtime_ns": 1}]},
         "splits": {}, "stats": {"documents": 3, "sentences": 5, "tokens": 12,
                                 "unknown_tokens": 0, "input_bytes": 1234}}
    for name, s in (("train", train), ("valid", valid)):
        m["splits"][name] = {"documents": s["documents"], "sentences": s["sentences"],
                             "tokens": s["tokens"],
                             "shards": [{"file": name + "-00000.bin", "bytes": s["bytes"],
                                         "sha256": "cd" * 32, "documents": s["documents"],
                                         "sentences": s["sentences"], "tokens": s["tokens"]}]}
    put("manifest", "fits_the_shards.json", json.dumps(m, indent=2) + "\n")
    m2 = json.loads(json.dumps(m))
    m2["splits"]["valid"]["shards"] = []
    m2["splits"]["train"]["shards"][0]["file"] = "../train-00000.bin"
    put("manifest", "path_outside.json", json.dumps(m2) + "\n")
    m3 = json.loads(json.dumps(m))
    m3["vocab_size"] = 99.5
    put("manifest", "float_vocab.json", json.dumps(m3) + "\n")


# ---- TensorBoard event files (TFRecord-framed tensorflow.Event, as tensorboard.cpp writes) ----

def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


def field(number, wire, payload):
    key = varint(number << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def event(wall, step, file_version=None, start=False, values=()):
    e = field(1, 1, struct.pack("<d", wall)) + field(2, 0, varint(step & (2**64 - 1)))
    if file_version:
        return e + field(3, 2, file_version.encode())
    if start:
        return e + field(7, 2, field(1, 0, varint(1)))
    summary = b"".join(field(1, 2, field(1, 2, tag.encode()) + field(2, 5, struct.pack("<f", v)))
                       for tag, v in values)
    return e + field(5, 2, summary)


def record(data):
    n = struct.pack("<Q", len(data))
    return n + struct.pack("<I", masked(crc32c(n))) + data + struct.pack("<I", masked(crc32c(data)))


def tensorboard_seeds():
    t = 1.7e9
    f = record(event(t, 0, file_version="brain.Event:2"))
    for step in (10, 20, 30):
        f += record(event(t + step, step, values=[("train/mlm_loss", 7.0 - step / 10),
                                                  ("train/lr", 1e-4)]))
    f += record(event(t + 40, 4, start=True))
    f += record(event(t + 50, 40, values=[("eval/mlm_loss", 5.5)]))
    put("tensorboard", "run.tfevents", f)
    put("tensorboard", "torn.tfevents", f[:-7])


# ---- byte_stream: plain, gzip (the stdlib's, mtime 0) and zstd frames of raw and RLE blocks ----

CORPUS_TEXT = ("One sentence.\nAnother one.\n\nA second document.\n" * 8).encode()


def zstd_frame(data, rle_tail=0):
    """A zstd frame (RFC 8878) without compression: window 1 KiB (descriptor 0), raw blocks of at
    most 1 KiB, then an optional RLE block of `rle_tail` spaces; no checksum."""
    out = bytearray(b"\x28\xb5\x2f\xfd\x00\x00")
    chunks = [data[i:i + 1024] for i in range(0, len(data), 1024)] or [b""]
    for i, c in enumerate(chunks):
        last = i == len(chunks) - 1 and not rle_tail
        out += ((len(c) << 3) | int(last)).to_bytes(3, "little") + c
    if rle_tail:
        out += ((rle_tail << 3) | (1 << 1) | 1).to_bytes(3, "little") + b" "
    return bytes(out)


def byte_stream_seeds():
    gz = gzip.compress(CORPUS_TEXT, mtime=0)
    put("byte_stream", "plain.txt", CORPUS_TEXT)
    put("byte_stream", "text.gz", gz)
    put("byte_stream", "two_members.gz", gz + gzip.compress(b"Tail.\n", mtime=0))
    put("byte_stream", "truncated.gz", gz[:len(gz) // 2])
    put("byte_stream", "trailing_junk.gz", gz + b"junk")
    put("byte_stream", "raw_blocks.zst", zstd_frame(CORPUS_TEXT))
    put("byte_stream", "rle_tail.zst", zstd_frame(b"x\n", rle_tail=100))
    put("byte_stream", "two_frames.zst", zstd_frame(b"a\n") + zstd_frame(b"b\n"))
    put("byte_stream", "truncated.zst", zstd_frame(CORPUS_TEXT)[:100])
    put("byte_stream", "magic_only.zst", b"\x28\xb5\x2f\xfd")


# ---- csv: RFC 4180 corpora with a "text" column ----

def csv_seeds():
    put("csv", "simple.csv", "id,text\n1,One sentence.\n2,Two.\n")
    put("csv", "quoted.csv",
        'id,text,lang\r\n1,"First, with ""quotes"".\r\nSecond line.",en\r\n\r\n2,,de\r\n')
    put("csv", "bom_tab.tsv", "\ufefftext\tid\n\"a\tb\"\t1\nplain\t2\n")
    put("csv", "wrong_count.csv", "id,text\n1,a,b\n")
    put("csv", "unterminated.csv", 'id,text\n1,"never closed\nmore\n')
    put("csv", "no_column.csv", "id,body\n1,x\n")
    put("csv", "after_quote.csv", 'text\n"a"b\n')


# ---- precompiled_charsmap: SentencePiece character maps (darts-clone units, then replacements) ----

def charsmap(units, replacements):
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + replacements


def precompiled_charsmap_seeds():
    """The map of tests/tokenizer/hf_precompiled_test.cpp: "A" -> "a", "A" U+0301 -> "Á",
    "ﬁ" -> "fi"; then broken variants."""
    def label(c, leaf, offset):
        return (offset << 10) | (0x100 if leaf else 0) | c
    u = [0] * 2048
    u[0] = label(0, False, 256)
    u[256 ^ 0x41] = label(0x41, True, (256 ^ 0x41) ^ 512)
    u[512] = (1 << 31) | 0
    u[512 ^ 0xCC] = label(0xCC, False, (512 ^ 0xCC) ^ 1536)
    u[1536 ^ 0x81] = label(0x81, True, (1536 ^ 0x81) ^ 1792)
    u[1792] = (1 << 31) | 5
    u[256 ^ 0xEF] = label(0xEF, False, (256 ^ 0xEF) ^ 768)
    u[768 ^ 0xAC] = label(0xAC, False, (768 ^ 0xAC) ^ 1024)
    u[1024 ^ 0x81] = label(0x81, True, (1024 ^ 0x81) ^ 1280)
    u[1280] = (1 << 31) | 2
    good = charsmap(u, "a\0fi\0\u00c1\0".encode())
    put("precompiled_charsmap", "hand.bin", good)
    put("precompiled_charsmap", "truncated.bin", good[:1000])
    put("precompiled_charsmap", "empty_trie.bin", struct.pack("<I", 0) + b"x\0")
    bad = list(u)
    bad[512] = (1 << 31) | 6  # into the middle of "Á"
    put("precompiled_charsmap", "value_mid_char.bin", charsmap(bad, "a\0fi\0\u00c1\0".encode()))
    loop = list(u)
    loop[1024 ^ 0x81] = label(0x81, False, (1024 ^ 0x81) ^ 256)  # back to the root's base
    put("precompiled_charsmap", "loop.bin", charsmap(loop, "a\0fi\0\u00c1\0".encode()))


if __name__ == "__main__":
    safetensors_seeds()
    hf_config_seeds()
    shard_seeds()
    manifest_seeds()
    tensorboard_seeds()
    byte_stream_seeds()
    csv_seeds()
    precompiled_charsmap_seeds()
