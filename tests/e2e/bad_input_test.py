#!/usr/bin/python3
"""End-to-end test: a catalogue of the bad inputs a new user gives, each handled with one clear line.

Run by ctest as: /usr/bin/python3 tests/e2e/bad_input_test.py --bin BERTFORGE --source SRC

One tiny run is trained and exported first (the "good" outputs). Each case then gives one bad
input (a config, a command line, a corpus, a checkpoint, a HF directory, a shard, a manifest, a
text) and checks: the exit status (2 for a usage or config error, 1 for a bad input file at run
time); exactly one error line on stderr (warnings and info lines are ignored) that names the file,
line, key or flag concerned; no crash sign (terminate, backtrace, assertion, "internal error");
and, where the case could destroy something, that the earlier output is byte-identical afterwards.
Every case runs even when an earlier one fails; the test prints `bad inputs handled: N/N` and the
kinds, and fails unless all are handled.

Cases already covered elsewhere are not repeated (cli_test: a mistyped command; PrepareE2E: a
missing corpus, an invalid UTF-8 line, an over-long line, malformed JSON, a wrong type, a misspelt
key; TrainE2E: a corrupted model.safetensors, a missing DONE; hf_import_test: pickles, roberta).
"""
import gzip
import json
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402
import hf_fixture  # noqa: E402  (only for its corpus writer)

ARGS = None
WORK = None
check = e2e_common.check
USAGE, RUNTIME = 2, 1


def bertforge(*args, expect=0):
    return e2e_common.run_bertforge(ARGS.bin, WORK, args, expect, 300)


def w(name, content, mode="w"):
    """Writes WORK/name; returns its path."""
    path = os.path.join(WORK, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(content)
    return path


def config(run_dir, corpus, **sections):
    return e2e_common.tiny_config(run_dir, corpus, **sections)


def copy_dir(src, name):
    dst = os.path.join(WORK, name)
    shutil.copytree(src, dst)
    return dst


def edit_json(path, fn):
    with open(path) as f:
        j = json.load(f)
    fn(j)
    with open(path, "w") as f:
        json.dump(j, f, indent=2)


def safetensors_with_header(path, header_len=None, shift_offsets=0):
    """Rewrites a safetensors file: its 8-byte header length replaced by `header_len`, or every
    tensor's data_offsets moved `shift_offsets` bytes on (past the end of the file)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack_from("<Q", data, 0)
    header, body = json.loads(data[8:8 + n]), data[8 + n:]
    if header_len is not None:
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", header_len) + data[8:])
        return
    for k, v in header.items():
        if k != "__metadata__":
            v["data_offsets"] = [o + shift_offsets for o in v["data_offsets"]]
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + body)


def truncate(path, keep_fraction):
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:int(len(data) * keep_fraction)])


class Case:
    def __init__(self, kind, args, code, needles, setup=None, intact=()):
        self.kind, self.args, self.code, self.needles = kind, args, code, needles
        self.setup, self.intact = setup, intact


def run(passed):
    corpus = os.path.join(WORK, "corpus.txt")
    hf_fixture.write_corpus(corpus, 60, seed=2)
    run_dir = os.path.join(WORK, "run")
    good = w("good.json", json.dumps(config(run_dir, corpus), indent=2))
    bertforge("pipeline", "--config", good)
    final, ckpt = os.path.join(run_dir, "final"), os.path.join(run_dir, "checkpoints", "step-10")
    export = os.path.join(WORK, "export")
    bertforge("export", "--checkpoint", final, "--out", export)

    def cfg_file(name, **sections):
        return w(name, json.dumps(config(run_dir, corpus, **sections), indent=2))

    def fresh_cfg(name, corpus_path):
        """A config of a new run directory (WORK/<name>-run) on `corpus_path`."""
        return w(name + ".json", json.dumps(config(os.path.join(WORK, name + "-run"),
                                                   corpus_path), indent=2))

    # Copies of good outputs, damaged one way each (made before the cases run).
    bad_state = copy_dir(ckpt, "bad_state")
    w("bad_state/state.json", '{"step": 10,\n  "loader": \n}\n')
    bad_done = copy_dir(ckpt, "bad_done")
    w("bad_done/DONE", "0" * 64 + "\n")
    short_model = copy_dir(ckpt, "short_model")
    truncate(os.path.join(short_model, "model.safetensors"), 0.5)
    huge_header = copy_dir(export, "huge_header")
    safetensors_with_header(os.path.join(huge_header, "model.safetensors"), header_len=1 << 60)
    far_offsets = copy_dir(export, "far_offsets")
    safetensors_with_header(os.path.join(far_offsets, "model.safetensors"),
                            shift_offsets=1 << 40)
    short_export = copy_dir(export, "short_export")
    truncate(os.path.join(short_export, "model.safetensors"), 0.6)
    hf_syntax = copy_dir(export, "hf_syntax")
    w("hf_syntax/config.json", '{\n  "hidden_size": 32,\n  "num_hidden_layers": ,\n}\n')
    hf_type = copy_dir(export, "hf_type")
    edit_json(os.path.join(hf_type, "config.json"), lambda j: j.update(hidden_size="big"))
    hf_shape = copy_dir(export, "hf_shape")
    edit_json(os.path.join(hf_shape, "config.json"), lambda j: j.update(hidden_size=48))
    no_tok = copy_dir(export, "no_tok")
    for n in os.listdir(no_tok):
        if n not in ("config.json", "model.safetensors"):
            os.remove(os.path.join(no_tok, n))
    # Run directories with damaged data (train reads the data as it is).
    short_shard_run = copy_dir(run_dir, "short_shard_run")
    truncate(os.path.join(short_shard_run, "data", "train-00000.bin"), 0.5)
    bad_manifest_run = copy_dir(run_dir, "bad_manifest_run")
    w("bad_manifest_run/data/manifest.json", '{\n  "format_version": 1,\n  "splits": [\n')
    wrong_manifest_run = copy_dir(run_dir, "wrong_manifest_run")
    edit_json(os.path.join(wrong_manifest_run, "data", "manifest.json"),
              lambda j: j["splits"]["train"].update(shards="none"))
    occupied = w("occupied/notes.txt", "my notes\n")
    occupied_dir = os.path.dirname(occupied)
    binary = w("binary.bin", bytes(range(256)) * 64, "wb")
    empty = w("empty.txt", "")
    os.makedirs(os.path.join(WORK, "a_directory"))

    # Corpora as users have them: compressed, JSON Lines with a nested field, CSV, sources.
    gz_text = gzip.compress(open(corpus, "rb").read(), mtime=0)
    cut_gz = w("cut.txt.gz", gz_text[:len(gz_text) // 2], "wb")
    bad_gz = bytearray(gz_text)
    bad_gz[len(bad_gz) // 2] ^= 0x5A
    corrupt_gz = w("corrupt.txt.gz", bytes(bad_gz), "wb")
    no_field = w("nofield.jsonl", '{"meta": {"body": "A sentence."}}\n{"meta": {"title": "x"}}\n')
    num_field = w("numfield.jsonl", '{"meta": {"body": 42}}\n')
    bad_cols = w("cols.csv", 'id,text\n1,"One, two."\n2,three,four\n')
    no_col = w("nocol.csv", "id,body\n1,x\n")
    src_run = copy_dir(run_dir, "src_run")  # its tokenizer: prepare alone reads the sources
    blank = w("blank.txt", "\n  \n")

    def fmt_cfg(name, corpus_path, fmt, field="text"):
        return w(name + ".json", json.dumps(config(
            os.path.join(WORK, name + "-run"), corpus_path,
            data={"format": fmt, "text_field": field}), indent=2))

    def sources_cfg(name, sources):
        return w(name + ".json", json.dumps(config(
            src_run, corpus, data={"train_files": [], "sources": sources}), indent=2))

    def on(run):
        """A config of `run` (a copied run directory) with train.steps = 12."""
        return w(os.path.basename(run) + ".json",
                 json.dumps(config(run, corpus, train={"steps": 12}), indent=2))

    cases = [
        # -- the config file and --set (exit 2)
        Case("config file missing", ["train", "--config", "nope.json"], USAGE, ["nope.json"]),
        Case("config path is a directory", ["train", "--config", "a_directory"], USAGE,
             ["a_directory", "is a directory"]),
        Case("config is empty", ["train", "--config", w("empty.json", "")], USAGE,
             ["empty.json"]),
        Case("config JSON syntax error (line)", ["train", "--config",
             w("syntax.json", '{\n  "seed": 1,\n  "train": {"steps": 10,}\n}\n')], USAGE,
             ["syntax.json:3"]),
        Case("number out of range in the file", ["train", "--config",
             w("overflow.json", '{\n  "seed": 1e999\n}\n')], USAGE, ["overflow.json", "1e999"]),
        Case("number out of range in --set", ["train", "--config", good, "--set",
             "train.lr=1e999"], USAGE, ["train.lr", "1e999"]),
        Case("config is not an object", ["train", "--config", w("list.json", "[1, 2]\n")],
             USAGE, ["list.json"]),
        Case("unknown section (did you mean)", ["train", "--config",
             w("section.json", json.dumps({"trian": {"steps": 3}}))], USAGE,
             ["trian", "did you mean 'train'"]),
        Case("unknown key in file (did you mean)", ["train", "--config",
             cfg_file("key.json", model={"hiden": 32})], USAGE,
             ["model.hiden", "did you mean 'model.hidden'"]),
        Case("wrong type in file", ["train", "--config",
             cfg_file("type.json", train={"batch_size": "8"})], USAGE, ["train.batch_size"]),
        Case("negative learning rate", ["train", "--config", good, "--set", "train.lr=-0.1"],
             USAGE, ["train.lr"]),
        Case("zero max_seq_len", ["train", "--config", good, "--set", "data.max_seq_len=0"],
             USAGE, ["data.max_seq_len"]),
        Case("valid_fraction above 1", ["prepare", "--config", good, "--set",
             "data.valid_fraction=1.5"], USAGE, ["data.valid_fraction"]),
        Case("masking probability above 1", ["train", "--config", good, "--set",
             "masking.probability=2"], USAGE, ["masking.probability"]),
        Case("hidden not divisible by heads", ["train", "--config", good, "--set",
             "model.heads=3"], USAGE, ["model."]),
        Case("max_seq_len beyond max_position", ["train", "--config", good, "--set",
             "data.max_seq_len=128"], USAGE, ["max_seq_len", "max_position"]),
        Case("unknown preset", ["train", "--config", good, "--set", "model.preset=tinny"],
             USAGE, ["model.preset", "tinny"]),
        Case("unknown tokenizer type", ["tokenizer", "--config", good, "--set",
             "tokenizer.type=bpe3"], USAGE, ["tokenizer.type"]),
        Case("NSP with modernbert", ["train", "--config", good, "--set",
             "model.architecture=modernbert", "--set", "data.nsp=true"], USAGE,
             ["nsp"]),
        Case("--set without '='", ["train", "--config", good, "--set", "train.steps"], USAGE,
             ["train.steps"]),
        Case("--set of an unknown key", ["train", "--config", good, "--set", "train.stpes=3"],
             USAGE, ["train.stpes", "did you mean 'train.steps'"]),
        Case("--set into a non-object", ["train", "--config", good, "--set", "seed.x=3"],
             USAGE, ["seed"]),
        # -- the command line (exit 2)
        Case("unknown flag", ["train", "--confg", good], USAGE, ["--confg"]),
        Case("missing required option", ["evaluate"], USAGE, ["--checkpoint"]),
        Case("--resume with --init-from", ["train", "--config", good, "--resume", "auto",
             "--init-from", final], USAGE, ["--resume", "--init-from"], intact=[run_dir]),
        Case("non-numeric --top-k", ["fill-mask", "--checkpoint", final, "--top-k", "many",
             "a [MASK] b"], USAGE, ["--top-k"]),
        Case("tokenize --pair with --lines", ["tokenize", "--checkpoint", final, "--pair", "b",
             "--lines", w("pair_lines.jsonl", '"a"\n')], USAGE, ["--pair", "--lines"]),
        # -- corpora (exit 1)
        Case("corpus glob without a match", ["tokenizer", "--config", fresh_cfg(
             "glob", os.path.join(WORK, "corp*.txtx"))], RUNTIME, ["corp*.txtx"]),
        Case("corpus of zero bytes", ["tokenizer", "--config", fresh_cfg("zero", empty)],
             RUNTIME, ["empty.txt", "empty"]),
        Case("binary corpus", ["tokenizer", "--config", fresh_cfg("binary", binary)], RUNTIME,
             ["binary.bin"]),
        Case("corpus is a directory", ["tokenizer", "--config", fresh_cfg(
             "dircorpus", os.path.join(WORK, "a_directory"))], RUNTIME, ["a_directory"]),
        Case("truncated gzip corpus", ["tokenizer", "--config", fresh_cfg("cutgz", cut_gz)],
             RUNTIME, ["cut.txt.gz:", "truncated gzip stream"]),
        Case("corrupt gzip corpus", ["tokenizer", "--config", fresh_cfg("badgz", corrupt_gz)],
             RUNTIME, ["corrupt.txt.gz:", "gzip stream"]),
        Case("JSONL record without the field", ["tokenizer", "--config", fmt_cfg(
             "nofield", no_field, "jsonl", "meta.body")], RUNTIME,
             ["nofield.jsonl:2", '"meta.body"']),
        Case("JSONL field not a string", ["tokenizer", "--config", fmt_cfg(
             "numfield", num_field, "jsonl", "meta.body")], RUNTIME,
             ["numfield.jsonl:1", "not a string"]),
        Case("CSV row with the wrong column count", ["tokenizer", "--config", fmt_cfg(
             "cols", bad_cols, "csv")], RUNTIME, ["cols.csv:3", "3 field(s)", "header has 2"]),
        Case("CSV without the text column", ["tokenizer", "--config", fmt_cfg(
             "nocol", no_col, "csv")], RUNTIME, ["nocol.csv:1", '"text"']),
        Case("empty source", ["prepare", "--config", sources_cfg("emptysrc", [
             {"name": "main", "files": corpus}, {"name": "extra", "files": blank}])], RUNTIME,
             ["blank.txt", "data.sources[1].files", "'extra'"],
             intact=[os.path.join(src_run, "data")]),
        Case("source weights summing to 0", ["prepare", "--config", sources_cfg("zerow", [
             {"name": "a", "files": corpus, "weight": 0},
             {"name": "b", "files": corpus, "weight": 0}])], USAGE,
             ["data.sources", "positive"]),
        Case("source without files", ["prepare", "--config", sources_cfg("nofiles", [
             {"name": "a", "weight": 1}])], USAGE, ["data.sources[0].files"]),
        Case("tokenizer.model missing", ["tokenizer", "--config", good, "--set",
             "tokenizer.model=" + os.path.join(WORK, "nope.model")], RUNTIME, ["nope.model"],
             intact=[os.path.join(run_dir, "tokenizer")]),
        # -- checkpoints (exit 1; the run is left as it was)
        Case("--resume of a missing path", ["train", "--config", good, "--resume",
             os.path.join(WORK, "nowhere")], RUNTIME, ["nowhere"], intact=[run_dir]),
        Case("--resume of a non-checkpoint", ["train", "--config", good, "--resume",
             os.path.join(run_dir, "data")], RUNTIME, [os.path.join(run_dir, "data")],
             intact=[run_dir]),
        Case("state.json syntax error", ["train", "--config", good, "--resume", bad_state],
             RUNTIME, ["state.json"], intact=[run_dir]),
        Case("DONE does not match state.json", ["evaluate", "--checkpoint", bad_done],
             RUNTIME, ["DONE"]),
        Case("truncated model.safetensors (checkpoint)", ["evaluate", "--checkpoint",
             short_model], RUNTIME, ["model.safetensors"]),
        Case("--init-from a non-model", ["train", "--config", fresh_cfg("init", corpus),
             "--init-from", os.path.join(WORK, "a_directory")], RUNTIME, ["a_directory"]),
        # -- HF / export directories (exit 1)
        Case("safetensors header size 2^60", ["fill-mask", "--checkpoint", huge_header,
             "a [MASK] b"], RUNTIME, ["model.safetensors"]),
        Case("safetensors offsets past the file", ["fill-mask", "--checkpoint", far_offsets,
             "a [MASK] b"], RUNTIME, ["model.safetensors"]),
        Case("truncated model.safetensors (export)", ["evaluate", "--checkpoint",
             short_export], RUNTIME, ["model.safetensors"]),
        Case("HF config.json syntax error", ["evaluate", "--checkpoint", hf_syntax], RUNTIME,
             ["config.json"]),
        Case("HF config.json wrong type", ["evaluate", "--checkpoint", hf_type], RUNTIME,
             ["config.json", "hidden_size"]),
        Case("HF config.json disagrees with the weights", ["evaluate", "--checkpoint",
             hf_shape], RUNTIME, [hf_shape, "config.json"]),
        Case("HF dir without tokenizer files", ["fill-mask", "--checkpoint", no_tok,
             "a [MASK] b"], RUNTIME, [no_tok]),
        # -- prepared data (exit 1)
        Case("truncated shard", ["train", "--config", on(short_shard_run), "--resume", "auto"],
             RUNTIME,
             ["train-00000.bin"], intact=[os.path.join(short_shard_run, "checkpoints")]),
        Case("manifest JSON syntax error", ["train", "--config", on(bad_manifest_run),
                                            "--resume", "auto"],
             RUNTIME, ["manifest.json"],
             intact=[os.path.join(bad_manifest_run, "checkpoints")]),
        Case("manifest of the wrong shape", ["train", "--config", on(wrong_manifest_run),
                                             "--resume", "auto"],
             RUNTIME, ["manifest.json"],
             intact=[os.path.join(wrong_manifest_run, "checkpoints")]),
        Case("evaluate --data missing", ["evaluate", "--checkpoint", final, "--data",
             os.path.join(WORK, "nope.txt")], RUNTIME, ["nope.txt"]),
        # -- the commands' other inputs
        Case("fill-mask without [MASK]", ["fill-mask", "--checkpoint", final, "no mask here"],
             USAGE, ["[MASK]"]),
        Case("export onto a non-empty dir", ["export", "--checkpoint", final, "--out",
             occupied_dir], USAGE, [occupied_dir, "--force"], intact=[occupied_dir]),
        Case("export onto a file", ["export", "--checkpoint", final, "--out", corpus], USAGE, [corpus], intact=[corpus]),
        Case("evaluate --checkpoint missing", ["evaluate", "--checkpoint",
             os.path.join(WORK, "nowhere")], RUNTIME, ["nowhere"]),
    ]

    handled, failures = [], []
    for case in cases:
        before = {p: (e2e_common.tree_digest(p) if os.path.isdir(p) else
                      e2e_common.tree_digest(os.path.dirname(p)).get(os.path.basename(p)))
                  for p in case.intact}
        p = e2e_common.run_limited(ARGS.bin, WORK, case.args)
        try:
            line = e2e_common.check_one_error(p, case.code, *case.needles)
            for path, digest in before.items():
                now = (e2e_common.tree_digest(path) if os.path.isdir(path) else
                       e2e_common.tree_digest(os.path.dirname(path)).get(os.path.basename(path)))
                check(now == digest, "%s was changed" % path)
            handled.append("%s (exit %d: %s)" % (case.kind, case.code, line))
        except AssertionError as e:
            failures.append("%s: %s" % (case.kind, e))
    print("bad inputs handled: %d/%d" % (len(handled), len(cases)))
    for h in handled:
        print("  ok   " + h.replace(WORK, "WORK"))
    for f in failures:
        print("  FAIL " + f.replace(WORK, "WORK"))
    check(not failures, "%d of %d bad inputs not handled" % (len(failures), len(cases)))
    passed.append("bad inputs handled: %d/%d" % (len(handled), len(cases)))


def main():
    return e2e_common.run_main("bad_input", __doc__, globals(), run)


if __name__ == "__main__":
    sys.exit(main())
