#!/usr/bin/python3
"""End-to-end test: a checkpoint that cannot be written (the disk is "full") fails cleanly.

Run by ctest as: /usr/bin/python3 tests/e2e/file_size_limit_test.py --bin BERTFORGE --source SRC

A full disk is simulated with RLIMIT_FSIZE (no root or tmpfs needed): a write past the limit fails
with EFBIG, as one past a full disk fails with ENOSPC, through the same code paths. A run trains to
step 10 and saves; it is then resumed under a limit smaller than optimizer.pt, so the save at step
20 cannot be written. Checked: exit status 1 (not a crash or a signal), one error line naming the
file, no partial .tmp-* directory left, the step-10 checkpoint intact (it still evaluates), and
once the limit is gone `--resume auto` finishes the run.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402
import hf_fixture  # noqa: E402  (only for its corpus writer)

ARGS = None
WORK = None
check = e2e_common.check


def bertforge(*args, expect=0):
    return e2e_common.run_bertforge(ARGS.bin, WORK, args, expect, 300)


def write_config(path, run_dir, corpus, steps):
    e2e_common.write_tiny_config(path, run_dir, corpus,
                                 train={"steps": steps, "keep_last": 3})


def run(passed):
    corpus, cfg, run_dir = (os.path.join(WORK, n) for n in ("corpus.txt", "c.json", "run"))
    hf_fixture.write_corpus(corpus, 60, seed=2)
    write_config(cfg, run_dir, corpus, 10)
    bertforge("pipeline", "--config", cfg)
    step10 = os.path.join(run_dir, "checkpoints", "step-10")
    opt_size = os.path.getsize(os.path.join(step10, "optimizer.pt"))
    limit = opt_size // 2
    check(limit > 20000, "optimizer.pt is too small (%d bytes) for the test's limit" % opt_size)

    write_config(cfg, run_dir, corpus, 20)
    p = e2e_common.run_limited(ARGS.bin, WORK, ["train", "--config", cfg, "--resume", "auto"],
                               limit)
    # The file named is the one in the checkpoint being saved (best/ is saved before step-20/),
    # not in its temporary directory.
    line = e2e_common.check_one_error(p, 1, run_dir, "File too large")
    check(any(os.path.join(run_dir, d, "") in line
              for d in ("best", "final", os.path.join("checkpoints", "step-20"))),
          "the error does not name a file of the checkpoint being saved: " + line)
    passed.append("a save past the limit exits 1 with one line: " + line)
    left = [n for d in (run_dir, os.path.join(run_dir, "checkpoints")) for n in os.listdir(d)
            if n.startswith(".tmp") or n.startswith(".old")]
    check(not left, "partial output left: %s" % left)
    check(not os.path.exists(os.path.join(run_dir, "checkpoints", "step-20")), "step-20 exists")
    out, _ = bertforge("evaluate", "--checkpoint", step10, "--json")
    check(json.loads(out)["examples"] > 0, "step-10 does not evaluate")
    passed.append("no partial output; step-10 intact")

    bertforge("train", "--config", cfg, "--resume", "auto")
    with open(os.path.join(run_dir, "final", "state.json")) as f:
        check(json.load(f)["step"] == 20, "the resumed run did not reach step 20")
    passed.append("resumed to the end once the limit is gone")


def main():
    return e2e_common.run_main("file_size_limit", __doc__, globals(), run)


if __name__ == "__main__":
    sys.exit(main())
