#!/usr/bin/python3
"""End-to-end test of corpora as users have them: a weighted mixture of two named sources read
from compressed JSONL files and a directory of shards, trained, resumed bit-identically, with the
tokens seen per source logged.

Run by ctest as: /usr/bin/python3 tests/e2e/corpus_sources_test.py --bin BERTFORGE --source SRC
Debian's python3 only.

  1. Two sources, `domain` (weight 0.8: one .jsonl.gz file, the text in the nested field
     meta.body) and `general` (weight 0.2: a directory of .jsonl, .jsonl.gz and zstd shards);
     `pipeline` runs tokenizer, prepare and 40 training steps. The manifest records each source's
     shards; train.jsonl's tokens_seen_by_source sums to tokens_seen and grows by about 80/20.
  2. A copy of the run resumed from its step-20 checkpoint ends with the same final weights
     (byte-identical model.safetensors) and the same train.jsonl lines (losses, counts per source)
     as the uninterrupted run.
  3. Training with other source names than the prepared data's is refused (exit 2, data.sources).
"""
import gzip
import hashlib
import json
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402

ARGS = None
WORK = None
check = e2e_common.check
STEPS = 40

WORDS = {"domain": "patient dose tumour biopsy lesion renal cardiac therapy scan clinical".split(),
         "general": "river house music garden winter train market letter window city".split()}


def docs(kind, n, seed):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        sents = []
        for _ in range(rng.randint(3, 7)):
            ws = [rng.choice(WORDS[kind]) for _ in range(rng.randint(4, 10))]
            sents.append("The " + " ".join(ws) + ".")
        out.append("\n".join(sents))
    return out


def jsonl(texts):
    """JSON Lines with the text in a nested field, meta.body."""
    return "".join(json.dumps({"id": i, "meta": {"body": t}}) + "\n"
                   for i, t in enumerate(texts)).encode()


def zstd_raw(data):
    """A valid zstd frame of raw (stored) blocks: window 1 KiB, blocks of at most 1 KiB."""
    out = bytearray(b"\x28\xb5\x2f\xfd\x00\x00")
    chunks = [data[i:i + 1024] for i in range(0, len(data), 1024)]
    for i, c in enumerate(chunks):
        out += ((len(c) << 3) | int(i == len(chunks) - 1)).to_bytes(3, "little") + c
    return bytes(out)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def lines(run_dir):
    with open(os.path.join(run_dir, "logs", "train.jsonl")) as f:
        out = [json.loads(x) for x in f if x.strip()]
    for x in out:
        for k in ("elapsed_sec", "tokens_per_sec", "positions_per_sec"):
            x.pop(k, None)
    return out


def run(passed):
    dom = os.path.join(WORK, "corpus", "domain.jsonl.gz")
    write(dom, gzip.compress(jsonl(docs("domain", 120, 1)), mtime=0))
    gen_dir = os.path.join(WORK, "corpus", "general")
    g = docs("general", 150, 2)
    write(os.path.join(gen_dir, "a", "00.jsonl"), jsonl(g[:50]))
    write(os.path.join(gen_dir, "a", "01.jsonl.gz"), gzip.compress(jsonl(g[50:100]), mtime=0))
    write(os.path.join(gen_dir, "b", "02.jsonl.zst"), zstd_raw(jsonl(g[100:])))
    write(os.path.join(gen_dir, ".hidden", "skip.jsonl"), b"not json\n")  # skipped
    run_a = os.path.join(WORK, "run_a")
    cfg = e2e_common.tiny_config(
        run_a, "unused",
        data={"train_files": [], "format": "jsonl", "text_field": "meta.body",
              "sources": [{"name": "domain", "files": dom, "weight": 0.8},
                          {"name": "general", "files": [gen_dir + "/"], "weight": 0.2}]},
        tokenizer={"vocab_size": 60},  # the two 10-word vocabularies support at most ~70 pieces
        train={"steps": STEPS, "log_every": 5, "save_every": 10})
    cfg_a = os.path.join(WORK, "a.json")
    with open(cfg_a, "w") as f:
        json.dump(cfg, f, indent=2)
    e2e_common.run_bertforge(ARGS.bin, WORK, ["pipeline", "--config", cfg_a], 0, 600)

    # 1. the manifest and the per-source counts
    with open(os.path.join(run_a, "data", "manifest.json")) as f:
        m = json.load(f)
    names = [s["name"] for s in m["sources"]]
    check(names == ["domain", "general"], "manifest sources %s" % names)
    gen_docs = m["sources"][1]["train"]["documents"] + m["sources"][1]["valid"]["documents"]
    check(gen_docs == 150, "general holds %d documents, want 150" % gen_docs)
    shard_sources = [s["source"] for s in m["splits"]["train"]["shards"]]
    check(shard_sources == sorted(shard_sources), "shards mix sources: %s" % shard_sources)
    passed.append("manifest records 2 sources")
    log_a = lines(run_a)
    check(len(log_a) == STEPS // 5, "%d train.jsonl lines" % len(log_a))
    prev = {"domain": 0, "general": 0}
    for x in log_a:
        per = x["tokens_seen_by_source"]
        check(sum(per.values()) == x["tokens_seen"], "step %d: %s != tokens_seen %d" %
              (x["step"], per, x["tokens_seen"]))
        check(all(per[k] >= prev[k] for k in prev), "counts went down at step %d" % x["step"])
        prev = per
    share = prev["domain"] / float(prev["domain"] + prev["general"])
    check(0.65 < share < 0.92, "domain's share of the tokens %.3f, want about 0.8" % share)
    passed.append("tokens per source logged (domain %.2f)" % share)

    # 2. resume from step 20 in a copy: the same run
    run_b = os.path.join(WORK, "run_b")
    shutil.copytree(run_a, run_b)
    shutil.rmtree(os.path.join(run_b, "final"))
    cfg["run_dir"] = run_b
    cfg_b = os.path.join(WORK, "b.json")
    with open(cfg_b, "w") as f:
        json.dump(cfg, f, indent=2)
    _, err = e2e_common.run_bertforge(
        ARGS.bin, WORK, ["train", "--config", cfg_b, "--resume",
                         os.path.join(run_b, "checkpoints", "step-20")], 0, 600)
    check("resumed from" in err, "no resume message:\n" + err[-2000:])
    check(sha(os.path.join(run_a, "final", "model.safetensors")) ==
          sha(os.path.join(run_b, "final", "model.safetensors")), "final weights differ")
    log_b = lines(run_b)
    check(log_a == log_b, "train.jsonl differs after resume:\n%s\n%s" % (log_a[-1], log_b[-1]))
    passed.append("resume from step 20 is bit-identical")

    # 3. other source names than the prepared data's (a copy of the run's data, nothing trained)
    run_c = os.path.join(WORK, "run_c")
    os.makedirs(run_c)
    for d in ("tokenizer", "data"):
        shutil.copytree(os.path.join(run_a, d), os.path.join(run_c, d))
    cfg["run_dir"] = run_c
    cfg["data"]["sources"][1]["name"] = "web"
    cfg_c = os.path.join(WORK, "c.json")
    with open(cfg_c, "w") as f:
        json.dump(cfg, f, indent=2)
    p = e2e_common.run_limited(ARGS.bin, WORK, ["train", "--config", cfg_c])
    e2e_common.check_one_error(p, 2, "data.sources", "'web'", "prepare")
    passed.append("mismatched sources refused")


def main():
    return e2e_common.run_main("corpus_sources", __doc__, globals(), run)


if __name__ == "__main__":
    sys.exit(main())
