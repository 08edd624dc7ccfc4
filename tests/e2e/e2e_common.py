"""Shared harness of the Python end-to-end tests: argument parsing, a temporary work directory,
and the pass/fail summary line that ctest's log shows."""
import argparse
import os
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
