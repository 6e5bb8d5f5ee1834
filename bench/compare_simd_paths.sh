#!/usr/bin/env bash
# Flow throughput on every SIMD path of one portable build (FLOWLAT_SIMD) and
# of a -march=native build, interleaved round by round: the machine is shared,
# so compare within a round and read ranges over rounds (docs/PERFORMANCE.md).
# usage: bench/compare_simd_paths.sh [portable build] [native build] [rounds]
# Both builds need -DFLOWLAT_ENABLE_BENCHMARKS=ON (bench/bench_flow, flowlat).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
NATIVE=${2:-build-native}
ROUNDS=${3:-3}
paths=$("$BUILD/flowlat" version | sed -n 's/.*this CPU runs: \([^;]*\);.*/\1/p' | tr -d ,)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Runs "$@" with its stdout in $work/out; sets cpu to its user + system seconds.
timed() {
  local TIMEFORMAT='%U %S'
  cpu=$({ time "$@" >"$work/out" 2>/dev/null; } 2>&1 | awk '{ print $1 + $2 }')
}
echo "# $(date -u +%FT%TZ); $("$BUILD/flowlat" version | head -1); paths: $paths + native ($NATIVE)"
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for p in $paths native; do
    if [ "$p" = native ]; then bin=$NATIVE; env=(); else bin=$BUILD; env=(FLOWLAT_SIMD=$p); fi
    # Google Benchmark: forward, forward + backward, train step (CPU ms per
    # iteration: less dilated than wall time by the other users' processes)
    env "${env[@]}" "$bin/bench/bench_flow" --benchmark_min_time=1 --benchmark_color=false \
        2>/dev/null | awk -v p="$p" -v r="$round" \
        '/^BM_/ { printf "round %s %-7s %-34s %9.2f %s cpu (wall %s)\n", r, p, $1, $4, $5, $2 }'
    # end to end, as a user runs them: 300 training steps of the defaults
    # (8x8, 16 layers, batch 64), 20000 proposals of the seed-1 default model
    # with every configuration saved and measured (save_every = 1)
    # (rates as flowlat prints them, by wall time; then the command's CPU time)
    timed env "${env[@]}" "$bin/flowlat" train --train.steps=300 --train.log_every=100 \
        --train.checkpoint_every=0 --run.progress_seconds=0 --run.overwrite=true \
        --flow.model="$work/model.h5"
    sed -n "s/^flowlat train: .*(\(.*\)) on.*/round $round $p train \1, cpu $cpu s/p" "$work/out"
    timed env "${env[@]}" "$bin/flowlat" sample --flow.model=tests/data/phi4_8x8_z2.model.h5 \
        --sample.proposals=20000 --run.progress_seconds=0 --run.overwrite=true \
        --run.output="$work/ensemble.h5"
    sed -n "s/^flowlat sample: done in .*(\(.*\));.*/round $round $p sample \1, cpu $cpu s/p" "$work/out"
  done
done
