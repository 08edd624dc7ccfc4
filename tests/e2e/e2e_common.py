"""Shared harness of the Python end-to-end tests: argument parsing, a temporary work directory,
and the pass/fail summary line that ctest's log shows."""
import argparse
import os
import shutil
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
