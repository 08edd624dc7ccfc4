#!/usr/bin/python3
"""End-to-end test: a checkpoint written on a GPU resumes on the CPU.

Run by ctest as: /usr/bin/python3 tests/e2e/device_checkpoint_test.py --bin BERTFORGE --source SRC

A CPU machine cannot write a GPU checkpoint, so this test makes one the way a GPU run would have:
the weights (model.safetensors) carry no device; the optimizer state (optimizer.pt, a LibTorch
archive) records each tensor's device in its pickles. Those records are rewritten from "cpu" to
"cuda" (the pickle strings, nothing else), and `train --resume auto` on this CPU-only machine must
load it (mapped onto the parameters' device) and continue with exactly the losses of the run that
was never interrupted. scripts/gpu_check.sh does the real round trip on a GPU.
"""
import hashlib
import json
import os
import shutil
import struct
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402
import hf_fixture  # noqa: E402  (only for its corpus writer)

ARGS = None
WORK = None
check = e2e_common.check


def unicode_op(s):
    """The pickle BINUNICODE opcode LibTorch's pickler writes for a string."""
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def to_cuda_archive(path):
    """Rewrites the device records of every tensor in the archive at `path` from cpu to cuda;
    returns how many it rewrote."""
    cpu, cuda = unicode_op("cpu"), unicode_op("cuda")
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i)) for i in z.infolist()]
    n = 0
    with zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_STORED) as out:
        for info, data in entries:
            if info.filename.endswith(".pkl"):
                n += data.count(cpu)
                data = data.replace(cpu, cuda)
            out.writestr(info.filename, data)
    os.replace(path + ".tmp", path)
    return n


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def reseal(ckpt):
    """Records the rewritten optimizer.pt's checksum in state.json, and state.json's in DONE, as a
    checkpoint written that way would carry them."""
    state = os.path.join(ckpt, "state.json")
    with open(state) as f:
        j = json.load(f)
    check("optimizer.pt" in j["files"], "state.json lists no optimizer.pt")
    j["files"]["optimizer.pt"] = sha256(os.path.join(ckpt, "optimizer.pt"))
    with open(state, "w") as f:
        f.write(json.dumps(j, indent=2) + "\n")
    with open(os.path.join(ckpt, "DONE"), "w") as f:
        f.write(sha256(state) + "\n")


def losses(run_dir):
    """step -> loss of train.jsonl (the last line of a step that was logged twice)."""
    with open(os.path.join(run_dir, "logs", "train.jsonl")) as f:
        return sorted(dict((j["step"], j["loss"]) for j in map(json.loads, filter(str.strip, f))).items())


def run(passed):
    corpus = os.path.join(WORK, "corpus.txt")
    hf_fixture.write_corpus(corpus, 60, seed=4)
    ref, gpu = os.path.join(WORK, "ref"), os.path.join(WORK, "gpu")
    cfg = lambda d, steps: e2e_common.tiny_config(  # noqa: E731
        d, corpus, train={"steps": steps, "save_every": 5, "log_every": 1, "threads": 1})
    for name, d in (("ref.json", ref), ("gpu.json", gpu)):
        with open(os.path.join(WORK, name), "w") as f:
            json.dump(cfg(d, 10), f)
        e2e_common.run_bertforge(ARGS.bin, WORK, ["pipeline", "--config", name])
    # as if the GPU run had stopped after its step-5 checkpoint
    shutil.rmtree(os.path.join(gpu, "final"))
    shutil.rmtree(os.path.join(gpu, "checkpoints", "step-10"))
    opt = os.path.join(gpu, "checkpoints", "step-5", "optimizer.pt")
    check(os.path.exists(opt), "no optimizer.pt in checkpoints/step-5")
    rewritten = to_cuda_archive(opt)
    check(rewritten > 0, "no device record 'cpu' in optimizer.pt's pickles")
    reseal(os.path.dirname(opt))
    passed.append("optimizer.pt rewritten as a GPU run writes it (%d records)" % rewritten)
    out, err = e2e_common.run_bertforge(ARGS.bin, WORK, ["train", "--config", "gpu.json", "--resume",
                                                       "auto"])
    check("resumed from" in out + err, "no 'resumed from' in the log:\n" + err[-2000:])
    a, b = losses(gpu), losses(ref)
    check([s for s, _ in a] == [s for s, _ in b], "steps differ: %s vs %s" % (a, b))
    check(a == b, "the resumed losses differ from the uninterrupted run: %s vs %s" % (a, b))
    passed.append("the CUDA-tagged state resumes on the CPU, losses equal to an uninterrupted run")


def main():
    return e2e_common.run_main("device_checkpoint", __doc__, globals(), run)


if __name__ == "__main__":
    sys.exit(main())
