#!/usr/bin/env bash
# Data-parallel scaling: training tokens/s of 2 ranks x 1 thread (c10d/Gloo on loopback) against
# 1 rank x 1 thread, mini preset, seq 128, batch 32 per rank, in the same run. Throughput is the
# real (non-padding) tokens over the logged windows after the first one (start-up and warm-up
# excluded), summed over ranks. Also printed: tokens per CPU-second of each whole run (user+sys
# of all its processes): the parallel efficiency apart from how many cores were free; on a busy
# machine the wall-clock ratio falls short of it.
#   scripts/bench_ddp.sh [--steps N] [--log-every K] [--repeat R]
# Needs at least 2 free cores for a meaningful ratio; the goal is >= 1.8x.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=30
LOG_EVERY=5
REPEAT=1
while (($#)); do
  case "$1" in
    --steps) STEPS=$2; shift 2 ;;
    --log-every) LOG_EVERY=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    *) echo "usage: $0 [--steps N] [--log-every K] [--repeat R]" >&2; exit 2 ;;
  esac
done
BIN=./build/bertforge
# train.threads bounds LibTorch's intra-op threads but not OpenBLAS's own pthread pool (Debian's
# libopenblas0-pthread starts one busy thread per core), so "1 thread" would really use every core:
# pin OpenBLAS to 1 thread on both sides so that each rank uses one core, as the figure claims.
export OPENBLAS_NUM_THREADS=1
[ -x "$BIN" ] || scripts/setup.sh >/dev/null
scripts/get_corpus.sh >/dev/null
RUN=runs/bench-ddp
CONFIG=configs/quickstart.json
COMMON=(--set model.preset=mini --set model.architecture=bert --set model.intermediate=1024
  --set data.nsp=true --set masking.probability=0.15 --set data.max_seq_len=128 --set train.batch_size=32
  --set train.threads=1 --set train.steps="$STEPS" --set train.log_every="$LOG_EVERY"
  --set train.eval_every=0 --set train.eval_batches=1 --set train.save_every=0)
if [ ! -f $RUN/prepared/data/manifest.json ]; then
  echo "bench_ddp: tokenizer + prepare into $RUN/prepared (once)"
  $BIN tokenizer --config $CONFIG --set run_dir=$RUN/prepared >/dev/null 2>&1
  $BIN prepare --config $CONFIG --set run_dir=$RUN/prepared >/dev/null 2>&1
fi

fresh_run() {  # a run directory with the prepared tokenizer and data
  rm -rf "$1"
  mkdir -p "$1"
  cp -r $RUN/prepared/tokenizer $RUN/prepared/data "$1"/
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# tokens/s over the log windows after the first: (tokens_seen, elapsed_sec) differences.
throughput() {
  /usr/bin/python3 - "$1" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if len(lines) < 2:
    sys.exit("bench_ddp: need at least 2 log lines in " + sys.argv[1])
a, b = lines[0], lines[-1]
print("%.1f" % ((b["tokens_seen"] - a["tokens_seen"]) / (b["elapsed_sec"] - a["elapsed_sec"])))
EOF
}

# cpu_run FILE CMD...: runs CMD, writes its user+sys CPU seconds to FILE, keeps its exit status.
cpu_run() {
  /usr/bin/python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%f\n" % (r.ru_utime + r.ru_stime))
sys.exit(rc)' "$@"
}

# tokens per CPU-second: total tokens_seen of the run / CPU seconds summed over FILES.
per_cpu() {
  /usr/bin/python3 - "$@" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cpu = sum(float(open(f).read()) for f in sys.argv[2:])
print("%.1f" % (lines[-1]["tokens_seen"] / cpu))
EOF
}

run_one() {
  fresh_run $RUN/w1
  unset RANK WORLD_SIZE LOCAL_RANK MASTER_ADDR MASTER_PORT SLURM_NTASKS
  cpu_run $RUN/w1.cpu $BIN train --config $CONFIG --set run_dir=$RUN/w1 "${COMMON[@]}" \
    >$RUN/w1.log 2>&1 || { cat $RUN/w1.log >&2; exit 1; }
  echo "$(throughput $RUN/w1/logs/train.jsonl) $(per_cpu $RUN/w1/logs/train.jsonl $RUN/w1.cpu)"
}

run_two() {
  fresh_run $RUN/w2
  local port pids=() r
  port=$(free_port)
  for r in 0 1; do
    RANK=$r WORLD_SIZE=2 LOCAL_RANK=$r MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
      cpu_run $RUN/w2.rank$r.cpu $BIN train --config $CONFIG --set run_dir=$RUN/w2 "${COMMON[@]}" \
      >$RUN/w2.rank$r.log 2>&1 &
    pids+=($!)
  done
  for r in 0 1; do
    wait "${pids[$r]}" || { cat $RUN/w2.rank$r.log >&2; exit 1; }
  done
  echo "$(throughput $RUN/w2/logs/train.jsonl)" \
    "$(per_cpu $RUN/w2/logs/train.jsonl $RUN/w2.rank0.cpu $RUN/w2.rank1.cpu)"
}

echo "bench_ddp: mini preset, seq 128, batch 32 per rank, $STEPS steps, 1 thread per rank," \
  "OPENBLAS_NUM_THREADS=1, throughput after the first $LOG_EVERY steps; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 1; i <= REPEAT; i++)); do
  read -r one one_cpu < <(run_one)
  read -r two two_cpu < <(run_two)
  ratio=$(/usr/bin/python3 -c "print('%.2f' % ($two / $one))")
  eff=$(/usr/bin/python3 -c "print('%.2f' % ($two_cpu / $one_cpu))")
  printf '%-28s %10s tokens/s  %8s tokens/CPU-s\n' "1 rank  x 1 thread:" "$one" "$one_cpu"
  printf '%-28s %10s tokens/s  %8s tokens/CPU-s\n' "2 ranks x 1 thread (Gloo):" "$two" "$two_cpu"
  echo "ratio 2 ranks / 1 rank: ${ratio}x (goal >= 1.8x); per CPU-second: ${eff}" \
    "(2 x that ~ the ratio when each rank has a free core)"
done
