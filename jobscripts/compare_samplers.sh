#!/bin/bash
# Cost of an effectively independent measurement for the three exact
# samplers at one theory point: trains a flow with the default training,
# then runs flow-MH (`sample`), hybrid chains (`hybrid`) and HMC (`hmc`) with
# comparable numbers of configurations, and prints tau_int, ESS and ESS per
# second of each (flow samplers also with the training time included)
# through analysis/sampler_efficiency.py.
#
# usage: jobscripts/compare_samplers.sh [--section.key=value ...]
#   overrides go to every run, e.g. --theory.lambda=6.008 --run.overwrite=true
# environment: RANKS (default 2), FLOWLAT (default build/flowlat), RUNS
#   (output folder, default runs/compare), PROPOSALS (flow-MH chain, default
#   100000), TRAJECTORIES (per hybrid/HMC chain, default 5000; RANKS*2 chains),
#   SEED (default 1; hybrid SEED+1, HMC SEED+2: independent momenta; do not
#   pass --run.seed as an override), MODEL (an existing model file: no
#   training; then TRAIN_SECONDS, default 0, is the training time to count)
set -euo pipefail
cd "$(dirname "$0")/.."
RANKS=${RANKS:-2}
FLOWLAT=${FLOWLAT:-build/flowlat}
RUNS=${RUNS:-runs/compare}
PROPOSALS=${PROPOSALS:-100000}
TRAJECTORIES=${TRAJECTORIES:-5000}
CHAINS=$((RANKS * 2))
SEED=${SEED:-1}
mkdir -p "$RUNS"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
MPIEXEC=(mpiexec -n "$RANKS")
if mpiexec --version 2>&1 | grep -qi "open-\?mpi\|OpenRTE"; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  MPIEXEC=(mpiexec --oversubscribe -n "$RANKS")
fi

# seconds of wall time of one command
timed() {
  local start end
  start=$(date +%s.%N)
  "$@" > "$RUNS/last.log" 2>&1 || { cat "$RUNS/last.log"; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

if [[ -n "${MODEL:-}" ]]; then
  cp "$MODEL" "$RUNS/model.h5"
  T_TRAIN=${TRAIN_SECONDS:-0}
  echo "== model $MODEL (training time counted: $T_TRAIN s)"
else
  echo "== train (default training) on $RANKS ranks"
  T_TRAIN=$(timed "${MPIEXEC[@]}" "$FLOWLAT" train --run.seed="$SEED" --flow.model="$RUNS/model.h5" "$@")
  grep -E "steps in|last .* steps" "$RUNS/last.log"
fi
echo "== flow-MH: $PROPOSALS proposals"
T_SAMPLE=$(timed "${MPIEXEC[@]}" "$FLOWLAT" sample --run.seed="$SEED" --flow.model="$RUNS/model.h5" \
  --sample.proposals="$PROPOSALS" --run.output="$RUNS/flow_mh.h5" "$@")
grep -E "done in|WARNING" "$RUNS/last.log" || true
echo "== hybrid: $CHAINS chains x $TRAJECTORIES"
T_HYBRID=$(timed "${MPIEXEC[@]}" "$FLOWLAT" hybrid --run.seed=$((SEED + 1)) --flow.model="$RUNS/model.h5" \
  --hybrid.chains="$CHAINS" --hybrid.trajectories="$TRAJECTORIES" --run.output="$RUNS/hybrid.h5" "$@")
echo "== hmc: $CHAINS chains x $TRAJECTORIES"
T_HMC=$(timed "${MPIEXEC[@]}" "$FLOWLAT" hmc --run.seed=$((SEED + 2)) --hmc.chains="$CHAINS" \
  --hmc.trajectories="$TRAJECTORIES" --run.output="$RUNS/hmc.h5" "$@")
echo "== wall times: train $T_TRAIN s, flow-MH $T_SAMPLE s, hybrid $T_HYBRID s, hmc $T_HMC s"
/usr/bin/python3 analysis/sampler_efficiency.py "flow-MH=$RUNS/flow_mh.h5:$T_SAMPLE:$T_TRAIN" \
  "hybrid=$RUNS/hybrid.h5:$T_HYBRID:$T_TRAIN" "hmc=$RUNS/hmc.h5:$T_HMC"
"$FLOWLAT" analyze "$RUNS/flow_mh.h5" "$RUNS/hybrid.h5"
"$FLOWLAT" analyze "$RUNS/hmc.h5"
