#!/usr/bin/python3
"""End-to-end test: two "machines" in network namespaces, joined by torchrun's c10d rendezvous.

Run by ctest as: /usr/bin/python3 tests/e2e/multinode_test.py --bin BERTFORGE --source SRC

Two network namespaces of this machine, a veth pair between them, each end its own address
(10.R.S.1 and 10.R.S.2). In each namespace `torchrun --nnodes 2 --nproc_per_node 1 --rdzv_backend
c10d --rdzv_endpoint 10.R.S.1:PORT --local_addr <own address>` starts one bertforge rank; Gloo talks
over the veth (GLOO_SOCKET_IFNAME). Node 0 hosts the rendezvous store (rdzv_conf is_host=1: both
namespaces share this machine's host name, so torchrun cannot tell by name). The 2-node run
(batch 4 per rank) must log the same losses, step by step, as one process with batch 8 (rel 1e-5),
the same check as distributed_test's scenario equivalence.

Skips (exit 0, one line) unless root with `ip` (iproute2) and a torchrun (first on PATH) that has
--local_addr and the c10d rendezvous (torch >= 2.1; Debian 12's 1.13 has not).
"""
import json
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_common  # noqa: E402
import hf_fixture  # noqa: E402  (only for its corpus writer)

ARGS = None
WORK = None
check = e2e_common.check
TIMEOUT = 240


def skip_reason():
    if os.geteuid() != 0:
        return "needs root (ip netns)"
    if not shutil.which("ip"):
        return "no ip (iproute2)"
    torchrun, note = e2e_common.torchrun_command(ARGS.source)
    if not torchrun:
        return note
    p = subprocess.run(torchrun + ["--help"], capture_output=True, text=True, timeout=120)
    if "--local_addr" not in p.stdout and "--local-addr" not in p.stdout:
        return "%s has no --local_addr (torch < 2.1)" % note
    return None


def sh(*argv):
    subprocess.run(argv, check=True, capture_output=True, timeout=60)


def losses(run_dir):
    with open(os.path.join(run_dir, "logs", "train.jsonl")) as f:
        return [(j["step"], j["loss"]) for j in map(json.loads, filter(str.strip, f))]


def write_config(name, batch_size):
    run_dir = os.path.join(WORK, name)
    cfg = e2e_common.tiny_config(run_dir, os.path.join(WORK, "corpus.txt"),
                                 model={"dropout": 0.0, "attention_dropout": 0.0},
                                 train={"steps": 12, "batch_size": batch_size, "log_every": 1,
                                        "save_every": 0, "threads": 1,
                                        "dist_timeout_sec": 120,
                                        # losses compared to 1e-5, below bf16's rounding (auto
                                        # picks bf16 on CPUs with AVX512-BF16)
                                        "precision": "fp32"})
    path = os.path.join(WORK, name + ".json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return run_dir, path


def run(passed):
    why = skip_reason()
    if why:
        print("multinode_test: SKIP: " + why)
        return
    hf_fixture.write_corpus(os.path.join(WORK, "corpus.txt"), 120, seed=6)
    one, one_cfg = write_config("one", 8)
    two, two_cfg = write_config("two", 4)
    for stage in ("tokenizer", "prepare"):
        for cfg in (one_cfg, two_cfg):
            e2e_common.run_bertforge(ARGS.bin, WORK, [stage, "--config", cfg])
    e2e_common.run_bertforge(ARGS.bin, WORK, ["train", "--config", one_cfg])

    tag = "%d" % os.getpid()
    ns = ["bfmn%s-0" % tag, "bfmn%s-1" % tag]
    dev = ["bfmv%s0" % tag[-6:], "bfmv%s1" % tag[-6:]]
    net = "10.%d.%d" % (random.randint(100, 250), random.randint(1, 250))
    addr = ["%s.1" % net, "%s.2" % net]
    port = str(random.randint(30000, 40000))
    procs = []
    try:
        for n in ns:
            sh("ip", "netns", "add", n)
        sh("ip", "link", "add", dev[0], "type", "veth", "peer", "name", dev[1])
        for i in (0, 1):
            sh("ip", "link", "set", dev[i], "netns", ns[i])
            sh("ip", "-n", ns[i], "addr", "add", addr[i] + "/24", "dev", dev[i])
            sh("ip", "-n", ns[i], "link", "set", dev[i], "up")
            sh("ip", "-n", ns[i], "link", "set", "lo", "up")
        passed.append("namespaces %s and %s joined by a veth (%s, %s)" % (ns[0], ns[1], *addr))
        torchrun, note = e2e_common.torchrun_command(ARGS.source)
        for i in (0, 1):
            env = {k: v for k, v in os.environ.items()
                   if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
            env["GLOO_SOCKET_IFNAME"] = dev[i]
            argv = ["ip", "netns", "exec", ns[i]] + torchrun + ["--nnodes", "2", "--nproc_per_node",
                    "1", "--rdzv_backend", "c10d", "--rdzv_endpoint", addr[0] + ":" + port,
                    "--rdzv_id", "bf" + tag, "--rdzv_conf", "is_host=%d" % (i == 0),
                    "--local_addr", addr[i], "--redirects", "2", "--tee", "2", "--no_python",
                    ARGS.bin, "train", "--config", two_cfg]
            log = open(os.path.join(WORK, "node%d.log" % i), "w")
            procs.append((subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                           cwd=WORK), log))
        rcs = []
        for p, log in procs:
            try:
                rcs.append(p.wait(timeout=TIMEOUT))
            except subprocess.TimeoutExpired:
                p.kill()
                rcs.append(p.wait())
            log.close()
        outs = []
        for i in (0, 1):
            with open(os.path.join(WORK, "node%d.log" % i), errors="replace") as f:
                outs.append(f.read())
        check(rcs == [0, 0], "the nodes exited %s:\n%s" % (rcs, "\n".join(
            "--- node %d ---\n%s" % (i, o[-3000:]) for i, o in enumerate(outs))))
    finally:
        for p, log in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for n in ns:
            subprocess.run(["ip", "netns", "del", n], capture_output=True)
    joined = " ".join(outs)
    for r in (0, 1):
        check("rank %d of 2 joined via %s:" % (r, addr[0]) in joined,
              "no 'rank %d of 2 joined via %s' in the logs" % (r, addr[0]))
    passed.append("torchrun (%s) c10d rendezvous across the namespaces: 2 ranks joined via %s" %
                  (note, addr[0]))
    a, b = losses(two), losses(one)
    check([s for s, _ in a] == [s for s, _ in b], "different steps: %s vs %s" % (a, b))
    worst = max(abs(x - y) / abs(y) for (_, x), (_, y) in zip(a, b))
    check(worst <= 1e-5, "2 nodes x batch 4 differ from 1 x batch 8 by rel %.2e" % worst)
    passed.append("2 nodes x batch 4 == 1 process x batch 8 over %d steps (rel %.1e)" %
                  (len(a), worst))


def main():
    return e2e_common.run_main("multinode", __doc__, globals(), run)


if __name__ == "__main__":
    sys.exit(main())
