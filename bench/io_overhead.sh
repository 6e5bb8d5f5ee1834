#!/usr/bin/env bash
# What writing and measuring cost: the same run with every configuration saved
# (and measured) and with output nearly off (one save at the end), for
# `flowlat hmc` (8x8, 1 chain, 16000 trajectories) and `flowlat sample` (8x8,
# 20000 proposals of a 16-layer flow). Also forward-KL training steps/s with
# the flow-sample figures on every step (train.log_every = 1) and on the log
# lines only. Times are the best of $REPEAT runs (the machine is shared): wall
# time, and in parentheses CPU time (user + system), which load dilates less.
# usage: [BEFORE=old/flowlat] bench/io_overhead.sh [flowlat binary]; BEFORE adds the same
# runs with a binary built from an older commit. Figures: docs/PERFORMANCE.md
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWLAT=${1:-build/flowlat}
REPEAT=${REPEAT:-3}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

best_of() {  # "wall cpu": the smallest wall time and the smallest CPU time (user + system,
            # children included) in seconds of $REPEAT runs of "$@"
  local best_wall="" best_cpu=""
  for _ in $(seq "$REPEAT"); do
    /usr/bin/time -f "%e %U %S" -o "$DIR/time" "$@" > "$DIR/log" 2>&1 || { cat "$DIR/log" >&2; exit 1; }
    read -r wall user sys < "$DIR/time"
    best_wall=$(awk -v a="$wall" -v b="$best_wall" 'BEGIN { print (b == "" || a < b) ? a : b }')
    best_cpu=$(awk -v a="$user" -v s="$sys" -v b="$best_cpu" 'BEGIN { c = a + s; print (b == "" || c < b) ? c : b }')
  done
  echo "$best_wall $best_cpu"
}

row() {  # label, "wall cpu" with output, "wall cpu" without
  awk -v l="$1" -v on="$2" -v off="$3" 'BEGIN {
    split(on, a, " "); split(off, b, " ");
    printf "| %s | %.2f s (%.2f s) | %.2f s (%.2f s) | %.1f %% (%.1f %%) |\n", l, a[1], a[2], b[1],
           b[2], 100 * (a[1] - b[1]) / a[1], 100 * (a[2] - b[2]) / a[2] }'
}

HMC="$FLOWLAT hmc --lattice.shape=8,8 --hmc.trajectories=16000 --run.overwrite=true
     --run.progress_seconds=0 --run.output=$DIR/hmc.h5"
echo "| run | with output: wall (CPU) | output off: wall (CPU) | writing + measuring: wall (CPU) |"
echo "|---|---|---|---|"
off=$(best_of $HMC --hmc.chains=1 --hmc.save_every=16000)
row "hmc, save_every = 1 (default flush: 30 s)" "$(best_of $HMC --hmc.chains=1 --hmc.save_every=1)" "$off"
row "hmc, save_every = 1, run.flush_every = 10 (the old default)" \
  "$(best_of $HMC --hmc.chains=1 --hmc.save_every=1 --run.flush_every=10)" "$off"
row "hmc, save_every = 1, run.flush_seconds = 0 (flush every trajectory)" \
  "$(best_of $HMC --hmc.chains=1 --hmc.save_every=1 --run.flush_seconds=0)" "$off"
if [ -n "${BEFORE:-}" ]; then
  OLD_HMC=${HMC/$FLOWLAT/$BEFORE}
  row "hmc, save_every = 1, BEFORE binary (its defaults)" "$(best_of $OLD_HMC --hmc.chains=1 --hmc.save_every=1)" \
    "$(best_of $OLD_HMC --hmc.chains=1 --hmc.save_every=16000)"
fi
row "hmc, 2 ranks, 2 chains, save_every = 1" \
  "$(best_of mpiexec -n 2 $HMC --hmc.chains=2 --hmc.save_every=1)" \
  "$(best_of mpiexec -n 2 $HMC --hmc.chains=2 --hmc.save_every=16000)"

# a model to propose with (its quality does not matter here)
"$FLOWLAT" train --lattice.shape=8,8 --train.steps=20 --run.progress_seconds=0 \
  --flow.model="$DIR/model.h5" > /dev/null
SAMPLE="$FLOWLAT sample --lattice.shape=8,8 --flow.model=$DIR/model.h5 --sample.proposals=20000
        --run.overwrite=true --run.progress_seconds=0 --run.output=$DIR/sample.h5"
row "sample, save_every = 1" "$(best_of $SAMPLE --sample.save_every=1)" \
  "$(best_of $SAMPLE --sample.save_every=20000)"
row "sample, save_every = 1, run.flush_every = 10 (the old default)" \
  "$(best_of $SAMPLE --sample.save_every=1 --run.flush_every=10)" \
  "$(best_of $SAMPLE --sample.save_every=20000)"

# forward-KL training: steps/s as flowlat prints them
"$FLOWLAT" hmc --lattice.shape=8,8 --hmc.trajectories=2000 --run.overwrite=true \
  --run.progress_seconds=0 --run.output="$DIR/data.h5" > /dev/null
fkl() {  # binary, train.log_every
  local rate=0
  for _ in $(seq "$REPEAT"); do
    r=$("$1" train --lattice.shape=8,8 --train.steps=200 --train.loss=forward_kl \
          --train.data="$DIR/data.h5" --train.log_every="$2" --run.overwrite=true \
          --run.progress_seconds=0 --flow.model="$DIR/fkl.h5" |
        sed -n 's/.*(\([0-9.]*\) steps\/s).*/\1/p')
    rate=$(echo "$r $rate" | awk '{print ($1 > $2) ? $1 : $2}')
  done
  echo "forward-KL training, $1, train.log_every = $2: $rate steps/s (best of $REPEAT)"
}
fkl "$FLOWLAT" 1
fkl "$FLOWLAT" 100
if [ -n "${BEFORE:-}" ]; then fkl "$BEFORE" 100; fi
