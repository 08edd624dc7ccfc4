"""Shared harness of the Python end-to-end tests: argument parsing, a temporary work directory,
and the pass/fail summary line that ctest's log shows."""
import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import tempfile
import time
import traceback


def run_main(name, doc, module_globals, run):
    """Parses --bin/--source/--keep into module_globals["ARGS"], makes module_globals["WORK"],
    calls run(passed) (which appends the names of passed checks) and returns the exit code."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--preload", help="the fault-injection library, fault_fs (io_error_test)")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="bertforge-%s-" % name)
    module_globals["ARGS"], module_globals["WORK"] = args, work
    t0 = time.time()
    passed = []
    try:
        run(passed)
    except Exception:
        traceback.print_exc()
        print("%s_test: FAILED after %d checks (%.0f s); work dir %s" %
              (name, len(passed), time.time() - t0, work))
        return 1
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print("%s_test: %d checks passed in %.0f s: %s" %
          (name, len(passed), time.time() - t0, ", ".join(passed)))
    return 0


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def run_bertforge(binary, work, args, expect=0, timeout=300):
    """Runs `binary args...` in `work`; returns (stdout, stderr). Fails unless the exit status is
    `expect` (or the run takes longer than `timeout` seconds)."""
    cmd = [binary] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=work)
    if p.returncode != expect:
        raise AssertionError("%s exited %d, expected %d\nstdout:\n%s\nstderr:\n%s" %
                             (" ".join(cmd), p.returncode, expect, p.stdout[-3000:],
                              p.stderr[-3000:]))
    return p.stdout, p.stderr


def run_limited(binary, work, args, fsize_limit=None, timeout=300):
    """Runs `binary args...` in `work` with RLIMIT_FSIZE = `fsize_limit` bytes (None: no limit): a
    write that would make a file larger fails with EFBIG, as one onto a full disk fails with ENOSPC.
    Returns the CompletedProcess (text stdout/stderr); the exit status is not checked."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_limit, fsize_limit))
    cmd = [binary] + [str(a) for a in args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=work,
                          preexec_fn=limit if fsize_limit is not None else None)


def error_lines(stderr):
    """The lines of the program's log that are errors (warnings and info lines are ignored)."""
    return [line for line in stderr.splitlines() if "[error]" in line]


CRASH_SIGNS = ("terminate called", "Traceback", "Assertion", "Exception raised from",
               "frame #", "Segmentation fault", "Aborted", "core dumped", "internal error")


def check_one_error(p, expect_code, *needles):
    """Checks a failed run: exit status `expect_code`, exactly one error line, which contains every
    string of `needles` and names no temporary file (`.tmp-`), and no sign of a crash (abort,
    backtrace, uncaught exception). Returns the error line without its time and level."""
    out = "exit %d\nstderr:\n%s" % (p.returncode, p.stderr[-3000:])
    check(p.returncode == expect_code, "expected exit %d; %s" % (expect_code, out))
    errors = error_lines(p.stderr)
    check(len(errors) == 1, "expected exactly one error line, got %d; %s" % (len(errors), out))
    for n in needles:
        check(n in errors[0], "the error line does not name %r; %s" % (n, out))
    check(".tmp-" not in errors[0], "the error line names a temporary file; " + out)
    for sign in CRASH_SIGNS:
        check(sign not in p.stderr + p.stdout, "a crash sign (%r); %s" % (sign, out))
    return errors[0].split("] ", 2)[-1]


def temp_leftovers(root):
    """Paths under `root` that are partial output of an interrupted write: `*.tmp-*` files,
    `.tmp-*` / `.old-*` / `.staged-*` entries."""
    left = []
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            if ".tmp-" in n or n.startswith((".tmp", ".old-", ".staged-")):
                left.append(os.path.join(d, n))
    return left


def tree_digest(root, ignore=(".lock",)):
    """{relative path: sha256} of every file under `root` (to check that it was left intact),
    but for the files named in `ignore` (the run lock holds the PID of its last holder)."""
    out = {}
    for d, _, files in os.walk(root):
        for n in files:
            if n in ignore:
                continue
            path = os.path.join(d, n)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def tiny_config(run_dir, corpus, **sections):
    """A one-layer, 32-wide BERT (no NSP) trained on `corpus` in seconds: the shared base config of
    the disk-full, file-size-limit and bad-input tests. Each keyword names a section whose keys it
    updates, e.g. train={"steps": 20}."""
    c = {"run_dir": run_dir, "seed": 3,
         "tokenizer": {"type": "unigram", "vocab_size": 120, "byte_fallback": False},
         "data": {"train_files": [corpus], "valid_fraction": 0.1, "max_seq_len": 48,
                  "nsp": False},
         "model": {"preset": "tiny", "layers": 1, "hidden": 32, "heads": 2, "intermediate": 64,
                   "max_position": 64},
         "train": {"steps": 10, "batch_size": 8, "lr": 0.002, "warmup_steps": 2,
                   "log_every": 5, "eval_every": 0, "save_every": 10, "threads": 2,
                   "tensorboard": False}}
    for k, v in sections.items():
        c[k].update(v)
    return c


def write_tiny_config(path, run_dir, corpus, **sections):
    """tiny_config written to `path`."""
    with open(path, "w") as f:
        json.dump(tiny_config(run_dir, corpus, **sections), f, indent=2)


_TORCHRUN = {}


def torchrun_command(source):
    """The argv prefix that starts torchrun (first on PATH, else /usr/bin/torchrun), or None.
    A torchrun whose TCPStore asks for libuv that its torch lacks (Debian 13's python3-torch 2.6
    cannot start at all) runs through scripts/torchrun_nolibuv.py, the documented workaround.
    Returns (argv prefix, note)."""
    if "cmd" in _TORCHRUN:
        return _TORCHRUN["cmd"]
    t = shutil.which("torchrun") or ("/usr/bin/torchrun" if os.path.exists("/usr/bin/torchrun")
                                     else None)
    result = (None, "no torchrun")
    if t:
        with open(t, errors="replace") as f:
            first = f.readline()
        py = first[2:].split()[0] if first.startswith("#!") else "/usr/bin/python3"
        probe = subprocess.run(
            [py, "-c", "import datetime, torch.distributed as d; "
             "d.TCPStore('127.0.0.1', 0, 1, True, datetime.timedelta(seconds=10))"],
            capture_output=True, text=True, timeout=120)
        if "libuv" in probe.stderr:
            result = ([py, os.path.join(source, "scripts", "torchrun_nolibuv.py")],
                      "via scripts/torchrun_nolibuv.py: %s's torch has no libuv" % t)
        else:
            result = ([t], t)
    _TORCHRUN["cmd"] = result
    return result


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


# Two small grammars with disjoint content words and the same alphabet (a tokenizer trained on one
# covers the other's characters with byte_fallback off): farm life and sea trade.
FARM = [["the", "a", "every", "one", "that"],
        ["old", "small", "happy", "quiet", "brave", "lazy", "young", "jolly"],
        ["farmer", "dog", "horse", "cow", "pig", "goat", "hen", "boy", "girl"],
        ["fed", "chased", "milked", "walked", "saw", "liked", "helped", "fixed"],
        ["the", "a", "that"],
        ["barn", "field", "fence", "hay", "sheep", "wagon", "gate", "quilt", "oxen"],
        ["in the morning", "after the rain", "by the pond", "at dusk", "near the mill"]]
SEA = [["captain", "merchant", "sailor", "pirate", "trader", "admiral"],
       ["sold", "bought", "shipped", "traded", "loaded", "stole", "counted"],
       ["seven", "twelve", "forty", "nine", "many", "three"],
       ["crates", "barrels", "pearls", "spices", "coins", "silks", "rubies"],
       ["to", "from", "across", "beyond"],
       ["venice", "zanzibar", "lisbon", "cairo", "java", "quebec", "oslo"],
       ["quickly", "secretly", "proudly", "twice", "by night"]]


def write_grammar_corpus(path, docs, seed, grammar=FARM, sentences=(3, 8)):
    """`docs` documents of `sentences` (lowest, highest) sentences drawn from `grammar` (one word
    per slot); a blank line between documents."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        for _ in range(docs):
            for _ in range(rng.randint(*sentences)):
                s = " ".join(rng.choice(slot) for slot in grammar) + "."
                f.write(s[0].upper() + s[1:] + "\n")
            f.write("\n")
