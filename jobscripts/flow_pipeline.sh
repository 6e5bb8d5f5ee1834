#!/bin/bash
# The main job: the flow pipeline at the tutorial point (8x8, m^2 = -4,
# lambda = 8). Trains a flow (inputs/phi4_train.ini), samples an exact
# flow-MH ensemble with it (inputs/phi4_sample.ini), runs HMC for the same
# number of configurations (inputs/phi4_hmc.ini), and prints acceptance,
# ESS/N and every observable with Gamma-method errors side by side
# (flowlat analyze).
#
# usage: jobscripts/flow_pipeline.sh [--section.key=value ...]
#   overrides go to all three runs, e.g. --run.overwrite=true --train.steps=500
# environment: RANKS (default 2), FLOWLAT (default build/flowlat),
#   PROPOSALS (flow-MH chain length, default 20000), RUNS (output folder, default runs),
#   LAUNCH (the MPI launcher with its arguments, e.g. "srun"; default mpiexec -n RANKS)
set -euo pipefail
cd "$(dirname "$0")/.."
RANKS=${RANKS:-2}
FLOWLAT=${FLOWLAT:-build/flowlat}
PROPOSALS=${PROPOSALS:-20000}
RUNS=${RUNS:-runs}
MODEL=$RUNS/phi4_flow.model.h5
FLOW_MH=$RUNS/phi4_flow_mh.h5
HMC=$RUNS/phi4_hmc_same_length.h5

if [[ -n "${LAUNCH:-}" ]]; then
  read -r -a MPIEXEC <<< "$LAUNCH"
else
  # OpenMPI refuses root without these; more ranks than cores need --oversubscribe.
  MPIEXEC=(mpiexec -n "$RANKS")
  if mpiexec --version 2>&1 | grep -qi "open-\?mpi\|OpenRTE"; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    MPIEXEC=(mpiexec --oversubscribe -n "$RANKS")
  fi
fi

START=$SECONDS
echo "== 1/4 train: $MODEL"
"${MPIEXEC[@]}" "$FLOWLAT" train --config inputs/phi4_train.ini --flow.model="$MODEL" "$@"
echo "== 2/4 sample: $FLOW_MH ($PROPOSALS flow proposals)"
"${MPIEXEC[@]}" "$FLOWLAT" sample --config inputs/phi4_sample.ini --flow.model="$MODEL" \
  --sample.proposals="$PROPOSALS" --run.output="$FLOW_MH" "$@"
# the same number of configurations: one HMC chain per rank
echo "== 3/4 hmc: $HMC ($RANKS chains x $((PROPOSALS / RANKS)) trajectories)"
"${MPIEXEC[@]}" "$FLOWLAT" hmc --config inputs/phi4_hmc.ini --hmc.chains="$RANKS" \
  --hmc.trajectories=$((PROPOSALS / RANKS)) --run.output="$HMC" "$@"
echo "== 4/4 flow-MH [1] next to HMC [2]"
"$FLOWLAT" analyze "$FLOW_MH" "$HMC"
echo "pipeline done in $((SECONDS - START)) s"
