#!/usr/bin/python3
"""End-to-end test: one writer per run directory.

Run by ctest as: /usr/bin/python3 tests/e2e/run_lock_test.py --bin BERTFORGE --source SRC

A `pipeline` trains in the background; a `train --resume auto` and a `prepare` started on the same
run directory meanwhile must refuse (exit 1) with one line naming the directory and the first
process's PID, and leave its run alone. Once the first process is killed with SIGKILL (its lock
dies with it), `train --resume auto` on the directory runs.
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402
import hf_fixture  # noqa: E402  (only for its corpus writer)

ARGS = None
WORK = None
check = e2e_common.check


def run(passed):
    corpus, cfg_path, run_dir = (os.path.join(WORK, n) for n in ("corpus.txt", "c.json", "run"))
    hf_fixture.write_corpus(corpus, 60, seed=4)
    cfg = {"run_dir": run_dir, "seed": 5,
           "tokenizer": {"type": "unigram", "vocab_size": 120, "byte_fallback": False},
           "data": {"train_files": [corpus], "valid_fraction": 0.1, "max_seq_len": 48,
                    "nsp": False},
           "model": {"preset": "tiny", "layers": 1, "hidden": 32, "heads": 2,
                     "intermediate": 64, "max_position": 64},
           "train": {"steps": 100000, "batch_size": 8, "lr": 0.002, "warmup_steps": 2,
                     "log_every": 5, "eval_every": 0, "save_every": 20, "threads": 1,
                     "tensorboard": False}}
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    first = subprocess.Popen([ARGS.bin, "pipeline", "--config", cfg_path], cwd=WORK,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ckpt = os.path.join(run_dir, "checkpoints", "latest")
        deadline = time.time() + 120
        while not os.path.exists(ckpt) and time.time() < deadline and first.poll() is None:
            time.sleep(0.5)
        check(os.path.exists(ckpt), "the first run made no checkpoint")
        for args in (["train", "--config", cfg_path, "--resume", "auto"],
                     ["prepare", "--config", cfg_path]):
            _, err = e2e_common.run_bertforge(ARGS.bin, WORK, args, 1, 120)
            errors = [line for line in err.splitlines() if "[error]" in line]
            check(len(errors) == 1 and "in use" in errors[0] and
                  "pid %d" % first.pid in errors[0],
                  "%s: expected one line naming pid %d:\n%s" % (args[0], first.pid, err))
        check(first.poll() is None, "the first run did not survive the second's refusal")
        passed.append("a second train and prepare refuse while pipeline runs: " +
                      errors[0].split("] ", 2)[-1])
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    steps = max(int(n.split("-")[1]) for n in os.listdir(os.path.join(run_dir, "checkpoints"))
                if n.startswith("step-")) + 10
    cfg["train"]["steps"] = steps
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    e2e_common.run_bertforge(ARGS.bin, WORK, ["train", "--config", cfg_path, "--resume", "auto"],
                             0, 300)
    with open(os.path.join(run_dir, "final", "state.json")) as f:
        check(json.load(f)["step"] == steps, "the run after the kill did not finish")
    passed.append("after kill -9 of the holder, train --resume auto runs")


def main():
    return e2e_common.run_main("run_lock", __doc__, globals(), run)


if __name__ == "__main__":
    sys.exit(main())
