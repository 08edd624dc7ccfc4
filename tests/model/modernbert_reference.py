#!/usr/bin/python3
"""Independent numpy reference for HuggingFace ModernBertForMaskedLM.

Usage: modernbert_reference.py OUT_DIR

Writes into OUT_DIR:
  config.json        HF ModernBertConfig keys for a tiny random model
  model.safetensors  the parameters under HF's ModernBertForMaskedLM names (F32),
                     written by the minimal writer below (no safetensors package)
  expected.json      fixed inputs plus the float64 forward pass: MLM logits
                     (B,T,V), final hidden state after final_norm (B,T,H), the
                     embedding output (B,T,H), and an MLM loss for fixed labels.

Written from the architecture definition in transformers'
src/transformers/models/modernbert/modeling_modernbert.py (see MODERNBERT_NOTES.md);
only numpy and the standard library are used, so it runs without torch or
transformers. The forward follows the eager/SDPA (padded) path of HF:

  h = LayerNorm_emb(tok_embeddings[ids])                   (dropout off)
  for layer l:
      a = h if l == 0 else LayerNorm_attn_l(h)             (layer 0: Identity)
      h = h + Wo_l(Attention_l(a))
      h = h + Wo_mlp_l( gelu(x_in) * x_gate ), [x_in | x_gate] = Wi_l(LayerNorm_mlp_l(h))
  hidden = LayerNorm_final(h)
  logits = decoder( LayerNorm_head( gelu( head.dense(hidden) ) ) ), decoder.weight == tok_embeddings

Padding: HF (eager/sdpa) masks padded *keys* with an additive finfo(float32).min and still
computes every query row, so padded positions get ordinary-looking but meaningless
outputs; with flash_attention_2 HF unpads and re-pads the logits with zeros. Both are
"don't care" values: the C++ test must compare non-pad positions only. This script
computes pad rows the eager way (and never lets them influence non-pad rows).
"""

import json
import math
import os
import struct
import sys

import numpy as np

# ----------------------------------------------------------------------------- config
CFG = dict(
    vocab_size=40,
    hidden_size=16,
    intermediate_size=24,
    num_hidden_layers=3,
    num_attention_heads=2,
    global_attn_every_n_layers=2,
    local_attention=4,
    global_rope_theta=160000.0,
    local_rope_theta=10000.0,
    norm_eps=1e-5,
    norm_bias=False,
    attention_bias=False,
    mlp_bias=False,
    classifier_bias=False,
    decoder_bias=True,
    hidden_activation="gelu",
    classifier_activation="gelu",
    max_position_embeddings=64,
    pad_token_id=0,
    unk_token_id=1,
    cls_token_id=2,
    sep_token_id=3,
    mask_token_id=4,
    tie_word_embeddings=True,
)

SEED = 1234
WEIGHT_STD = 0.2


def layer_is_global(layer_id, cfg=CFG):
    # HF: local (sliding) iff layer_id % global_attn_every_n_layers != 0
    return layer_id % cfg["global_attn_every_n_layers"] == 0


def hf_config_json(cfg=CFG):
    n = cfg["num_hidden_layers"]
    layer_types = ["full_attention" if layer_is_global(i, cfg) else "sliding_attention" for i in range(n)]
    return {
        "architectures": ["ModernBertForMaskedLM"],
        "model_type": "modernbert",
        "vocab_size": cfg["vocab_size"],
        "hidden_size": cfg["hidden_size"],
        "intermediate_size": cfg["intermediate_size"],
        "num_hidden_layers": n,
        "num_attention_heads": cfg["num_attention_heads"],
        "hidden_activation": cfg["hidden_activation"],
        "max_position_embeddings": cfg["max_position_embeddings"],
        "initializer_range": 0.02,
        "initializer_cutoff_factor": 2.0,
        "norm_eps": cfg["norm_eps"],
        "norm_bias": cfg["norm_bias"],
        "pad_token_id": cfg["pad_token_id"],
        "eos_token_id": cfg["sep_token_id"],
        "bos_token_id": cfg["cls_token_id"],
        "cls_token_id": cfg["cls_token_id"],
        "sep_token_id": cfg["sep_token_id"],
        # v4.48..v4.57 keys (still accepted by v5 for backward compatibility)
        "global_rope_theta": cfg["global_rope_theta"],
        "local_rope_theta": cfg["local_rope_theta"],
        "global_attn_every_n_layers": cfg["global_attn_every_n_layers"],
        # v5 keys; kept consistent with the v4 keys above (v4 ignores them)
        "layer_types": layer_types,
        "rope_parameters": {
            "full_attention": {"rope_type": "default", "rope_theta": cfg["global_rope_theta"]},
            "sliding_attention": {"rope_type": "default", "rope_theta": cfg["local_rope_theta"]},
        },
        "attention_bias": cfg["attention_bias"],
        "attention_dropout": 0.0,
        "local_attention": cfg["local_attention"],
        "embedding_dropout": 0.0,
        "mlp_bias": cfg["mlp_bias"],
        "mlp_dropout": 0.0,
        "decoder_bias": cfg["decoder_bias"],
        "classifier_pooling": "cls",
        "classifier_dropout": 0.0,
        "classifier_bias": cfg["classifier_bias"],
        "classifier_activation": cfg["classifier_activation"],
        "deterministic_flash_attn": False,
        "sparse_prediction": False,
        "sparse_pred_ignore_index": -100,
        "repad_logits_with_grad": False,
        "tie_word_embeddings": cfg["tie_word_embeddings"],
        # not ModernBertConfig arguments; tokenizer-level ids kept here for bertforge
        "unk_token_id": cfg["unk_token_id"],
        "mask_token_id": cfg["mask_token_id"],
        "torch_dtype": "float32",
    }


# ----------------------------------------------------------------------------- params
def make_params(cfg=CFG, seed=SEED):
    """Random parameters keyed by HF ModernBertForMaskedLM state_dict names.

    No decoder.weight: it is tied to model.embeddings.tok_embeddings.weight and HF's
    save_pretrained drops the tied alias from model.safetensors.
    """
    rng = np.random.RandomState(seed)
    H, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]

    def lin(out_f, in_f):
        return rng.randn(out_f, in_f) * WEIGHT_STD

    def ln():
        return 1.0 + 0.1 * rng.randn(H)

    p = {}
    p["model.embeddings.tok_embeddings.weight"] = rng.randn(V, H) * WEIGHT_STD
    p["model.embeddings.norm.weight"] = ln()
    for l in range(cfg["num_hidden_layers"]):
        pre = "model.layers.%d." % l
        if l != 0:  # HF layer 0: attn_norm = nn.Identity() -> no parameter
            p[pre + "attn_norm.weight"] = ln()
        p[pre + "attn.Wqkv.weight"] = lin(3 * H, H)
        p[pre + "attn.Wo.weight"] = lin(H, H)
        p[pre + "mlp_norm.weight"] = ln()
        p[pre + "mlp.Wi.weight"] = lin(2 * I, H)
        p[pre + "mlp.Wo.weight"] = lin(H, I)
    p["model.final_norm.weight"] = ln()
    p["head.dense.weight"] = lin(H, H)  # classifier_bias=False -> no head.dense.bias
    p["head.norm.weight"] = ln()
    p["decoder.bias"] = rng.randn(V) * WEIGHT_STD
    # Round to float32 once, so the float64 forward uses exactly the stored values.
    return {k: v.astype(np.float32).astype(np.float64) for k, v in p.items()}


# ----------------------------------------------------------------------------- safetensors
def write_safetensors(path, tensors, metadata=None):
    """Minimal safetensors writer: u64-LE header size, JSON header, raw LE bytes."""
    names = sorted(tensors)
    header = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name in names:
        arr = np.ascontiguousarray(tensors[name], dtype="<f4")
        raw = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((8 - len(hbytes) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for raw in blobs:
            f.write(raw)


def read_safetensors(path):
    """Tiny reader used to self-check the writer."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32"
        s, e = info["data_offsets"]
        out[name] = np.frombuffer(data[base + s : base + e], dtype="<f4").reshape(info["shape"])
    return out


# ----------------------------------------------------------------------------- forward
_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu(x):
    # exact (erf) GELU == torch.nn.functional.gelu default == HF ACT2FN["gelu"]
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def layer_norm(x, w, eps):
    # nn.LayerNorm(bias=False): biased variance over the last dim, eps inside the sqrt
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w


def linear(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def rope_cos_sin(T, head_dim, theta):
    # inv_freq[i] = 1 / theta^(2i/d), i = 0..d/2-1; emb = cat(freqs, freqs)
    inv_freq = 1.0 / (theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim))
    pos = np.arange(T, dtype=np.float64)  # position_ids = 0..T-1 for every row
    freqs = np.outer(pos, inv_freq)  # (T, d/2)
    emb = np.concatenate([freqs, freqs], axis=-1)  # (T, d)
    return np.cos(emb), np.sin(emb)


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


NEG = float(np.finfo(np.float32).min)  # HF uses torch.finfo(model dtype).min


def attention_bias(attention_mask, local_window):
    """Additive (B,1,T,T) mask exactly as HF _update_attention_mask builds it.

    global: 0 where key is valid, finfo.min where key is padding.
    sliding: the global mask, additionally set to finfo.min where |i - j| > local_window // 2.
    """
    am = np.asarray(attention_mask, dtype=np.float64)
    B, T = am.shape
    glob = np.where(am[:, None, None, :] > 0, 0.0, NEG) * np.ones((1, 1, T, 1))
    idx = np.arange(T)
    inside = np.abs(idx[:, None] - idx[None, :]) <= local_window // 2
    sliding = np.where(inside[None, None, :, :], glob, NEG)
    return glob, sliding


def softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=axis, keepdims=True)


def attention(x, p, pre, cfg, bias, cos, sin):
    B, T, H = x.shape
    nh = cfg["num_attention_heads"]
    hd = H // nh
    qkv = linear(x, p[pre + "attn.Wqkv.weight"], p.get(pre + "attn.Wqkv.bias"))
    # HF: view(B, T, 3, nh, hd): output feature index = s*H + h*hd + d, s in (q, k, v)
    qkv = qkv.reshape(B, T, 3, nh, hd).transpose(2, 0, 3, 1, 4)  # (3, B, nh, T, hd)
    q, k, v = qkv[0], qkv[1], qkv[2]
    q = q * cos + rotate_half(q) * sin
    k = k * cos + rotate_half(k) * sin
    scores = (q @ k.transpose(0, 1, 3, 2)) * (hd ** -0.5) + bias
    probs = softmax(scores, axis=-1)
    ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(B, T, H)  # heads concatenated h*hd + d
    return linear(ctx, p[pre + "attn.Wo.weight"], p.get(pre + "attn.Wo.bias"))


def mlp(x, p, pre, cfg):
    I = cfg["intermediate_size"]
    y = linear(x, p[pre + "mlp.Wi.weight"], p.get(pre + "mlp.Wi.bias"))
    x_in, gate = y[..., :I], y[..., I:]  # Wi(x).chunk(2): first half activated
    return linear(gelu(x_in) * gate, p[pre + "mlp.Wo.weight"], p.get(pre + "mlp.Wo.bias"))


def forward(p, input_ids, attention_mask, cfg=CFG):
    ids = np.asarray(input_ids, dtype=np.int64)
    B, T = ids.shape
    H = cfg["hidden_size"]
    eps = cfg["norm_eps"]
    hd = H // cfg["num_attention_heads"]
    glob_bias, slide_bias = attention_bias(attention_mask, cfg["local_attention"])
    cs_global = rope_cos_sin(T, hd, cfg["global_rope_theta"])
    cs_local = rope_cos_sin(T, hd, cfg["local_rope_theta"])

    h = layer_norm(p["model.embeddings.tok_embeddings.weight"][ids], p["model.embeddings.norm.weight"], eps)
    emb = h.copy()
    for l in range(cfg["num_hidden_layers"]):
        pre = "model.layers.%d." % l
        is_global = layer_is_global(l, cfg)
        bias = glob_bias if is_global else slide_bias
        cos, sin = cs_global if is_global else cs_local
        a_in = h if l == 0 else layer_norm(h, p[pre + "attn_norm.weight"], eps)
        h = h + attention(a_in, p, pre, cfg, bias, cos, sin)
        h = h + mlp(layer_norm(h, p[pre + "mlp_norm.weight"], eps), p, pre, cfg)
    hidden = layer_norm(h, p["model.final_norm.weight"], eps)

    z = gelu(linear(hidden, p["head.dense.weight"], p.get("head.dense.bias")))
    z = layer_norm(z, p["head.norm.weight"], eps)
    decoder_w = p.get("decoder.weight", p["model.embeddings.tok_embeddings.weight"])
    logits = linear(z, decoder_w, p.get("decoder.bias"))
    return emb, hidden, logits


def mlm_loss(logits, labels, ignore_index=-100):
    # HF ForMaskedLMLoss: cross entropy, mean over labels != -100
    lab = np.asarray(labels).reshape(-1)
    lg = logits.reshape(-1, logits.shape[-1])
    keep = lab != ignore_index
    lg, lab = lg[keep], lab[keep]
    m = lg.max(axis=-1, keepdims=True)
    lse = (m + np.log(np.exp(lg - m).sum(axis=-1, keepdims=True)))[:, 0]
    return float(np.mean(lse - lg[np.arange(len(lab)), lab]))


# ----------------------------------------------------------------------------- inputs
INPUT_IDS = [
    [2, 10, 4, 15, 22, 4, 31, 8, 17, 3],
    [2, 11, 4, 26, 19, 33, 3, 0, 0, 0],
]
ATTENTION_MASK = [
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
]
# labels at the [MASK] positions (and one unmasked position), -100 elsewhere
LABELS = [
    [-100, -100, 12, -100, -100, 7, -100, -100, 25, -100],
    [-100, -100, 30, -100, 19, -100, -100, -100, -100, -100],
]


def self_check(params, p_loaded, emb, hidden, logits):
    assert set(params) == set(p_loaded)
    for k in params:
        assert np.array_equal(params[k].astype(np.float32), p_loaded[k]), k
    # padding must not leak into valid rows: changing pad ids must leave them unchanged
    ids2 = [row[:] for row in INPUT_IDS]
    ids2[1][7:] = [5, 6, 7]
    _, hidden2, logits2 = forward(params, ids2, ATTENTION_MASK)
    assert np.allclose(hidden2[1, :7], hidden[1, :7], atol=1e-12, rtol=0)
    assert np.allclose(logits2[1, :7], logits[1, :7], atol=1e-12, rtol=0)
    # the sliding window must matter (otherwise the local layer would not be tested)
    cfg_wide = dict(CFG, local_attention=64)
    _, _, logits_wide = forward(params, INPUT_IDS, ATTENTION_MASK, cfg_wide)
    assert np.abs(logits_wide[0] - logits[0]).max() > 1e-3
    assert np.isfinite(logits).all() and np.isfinite(emb).all()


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: modernbert_reference.py OUT_DIR\n")
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)

    params = make_params()
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(hf_config_json(), f, indent=2, sort_keys=True)
        f.write("\n")
    st_path = os.path.join(out, "model.safetensors")
    write_safetensors(st_path, params, metadata={"format": "pt"})

    emb, hidden, logits = forward(params, INPUT_IDS, ATTENTION_MASK)
    self_check(params, read_safetensors(st_path), emb, hidden, logits)

    expected = {
        "comment": (
            "float64 numpy reference of HF ModernBertForMaskedLM (eager path). Padded positions "
            "(attention_mask 0) hold eager-style values that HF does not define (FA2 returns zeros "
            "there); compare non-pad positions only. hidden = output of model.final_norm; "
            "embeddings = output of model.embeddings.norm; loss = mean CE over labels != -100."
        ),
        "input_ids": INPUT_IDS,
        "attention_mask": ATTENTION_MASK,
        "labels": LABELS,
        "loss": mlm_loss(logits, LABELS),
        "logits": logits.tolist(),
        "hidden": hidden.tolist(),
        "embeddings": emb.tolist(),
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")
    print("wrote %s (%d tensors), loss %.6f, |logits| max %.3f" % (
        out, len(params), expected["loss"], float(np.abs(logits).max())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
