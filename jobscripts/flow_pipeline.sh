#!/bin/bash
# The main job: the flow pipeline at the tutorial point (8x8, m^2 = -4,
# lambda = 8). Trains a flow (inputs/phi4_train.ini), samples an exact
# flow-MH ensemble with it (inputs/phi4_sample.ini), runs HMC for the same
# number of configurations (inputs/phi4_hmc.ini), and prints acceptance,
# ESS/N and every observable with Gamma-method errors side by side
# (flowlat analyze).
#
# usage: jobscripts/flow_pipeline.sh [--dry-run] [--section.key=value ...]
#   overrides go to all three runs, e.g. --run.overwrite=true --train.steps=500
#   --dry-run (or DRY_RUN=1): print the commands instead of running them
# environment: RANKS (default 2), FLOWLAT (default build/flowlat),
#   PROPOSALS (flow-MH chain length, default 20000), RUNS (output folder, default runs),
#   LAUNCH (the MPI launcher with its arguments, e.g. "srun"; default mpiexec -n RANKS)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=jobscripts/job_common.sh
source jobscripts/job_common.sh
job_parse_dry_run "$@"
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
  # more ranks than cores need --oversubscribe (OpenMPI)
  MPIEXEC=(mpiexec -n "$RANKS")
  job_allow_root_mpiexec
  if [[ -n "${OMPI_ALLOW_RUN_AS_ROOT:-}" ]]; then MPIEXEC=(mpiexec --oversubscribe -n "$RANKS"); fi
fi

START=$SECONDS
job_run mkdir -p "$RUNS"
echo "== 1/4 train: $MODEL"
job_run "${MPIEXEC[@]}" "$FLOWLAT" train --config inputs/phi4_train.ini --flow.model="$MODEL" "${JOB_ARGS[@]}"
echo "== 2/4 sample: $FLOW_MH ($PROPOSALS flow proposals)"
job_run "${MPIEXEC[@]}" "$FLOWLAT" sample --config inputs/phi4_sample.ini --flow.model="$MODEL" \
  --sample.proposals="$PROPOSALS" --run.output="$FLOW_MH" "${JOB_ARGS[@]}"
# the same number of configurations: one HMC chain per rank
echo "== 3/4 hmc: $HMC ($RANKS chains x $((PROPOSALS / RANKS)) trajectories)"
job_run "${MPIEXEC[@]}" "$FLOWLAT" hmc --config inputs/phi4_hmc.ini --hmc.chains="$RANKS" \
  --hmc.trajectories=$((PROPOSALS / RANKS)) --run.output="$HMC" "${JOB_ARGS[@]}"
echo "== 4/4 flow-MH [1] next to HMC [2]"
job_run "$FLOWLAT" analyze "$FLOW_MH" "$HMC"
echo "pipeline done in $((SECONDS - START)) s"
