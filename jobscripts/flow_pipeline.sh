#!/bin/bash
# The main job: the flow pipeline at the tutorial point (8x8, m^2 = -4,
# lambda = 8) with the built-in defaults. Trains a flow (the default
# training: Z2-equivariant couplings), samples an exact flow-MH ensemble
# with it, runs hybrid chains (HMC trajectories + flow proposals) and HMC
# for the same number of configurations, and prints acceptance, the
# importance-weight diagnostics and every observable with Gamma-method
# errors side by side (flowlat analyze).
#
# usage: jobscripts/flow_pipeline.sh [--dry-run] [--section.key=value ...]
#   overrides go to all four runs, e.g. --run.overwrite=true --train.steps=500
#   --dry-run (or DRY_RUN=1): print the commands instead of running them
# environment: RANKS (default 2), FLOWLAT (default build/flowlat),
#   PROPOSALS (flow-MH chain length, default 20000), RUNS (output folder, default runs),
#   LAUNCH (the MPI launcher with its arguments, e.g. "srun"; default mpiexec -n RANKS),
#   SEED (default 1: train and sample; hybrid SEED+1 and HMC SEED+2, so that
#   their momenta are independent; do not pass --run.seed as an override)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=jobscripts/job_common.sh
source jobscripts/job_common.sh
job_parse_dry_run "$@"
RANKS=${RANKS:-2}
FLOWLAT=${FLOWLAT:-build/flowlat}
PROPOSALS=${PROPOSALS:-20000}
RUNS=${RUNS:-runs}
SEED=${SEED:-1}
MODEL=$RUNS/phi4_flow.model.h5
FLOW_MH=$RUNS/phi4_flow_mh.h5
HYBRID=$RUNS/phi4_hybrid.h5
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
echo "== 1/5 train: $MODEL"
job_run "${MPIEXEC[@]}" "$FLOWLAT" train --run.seed="$SEED" --flow.model="$MODEL" "${JOB_ARGS[@]}"
echo "== 2/5 sample: $FLOW_MH ($PROPOSALS flow proposals)"
job_run "${MPIEXEC[@]}" "$FLOWLAT" sample --run.seed="$SEED" --flow.model="$MODEL" \
  --sample.proposals="$PROPOSALS" --run.output="$FLOW_MH" "${JOB_ARGS[@]}"
# the same number of configurations: one chain per rank
echo "== 3/5 hybrid: $HYBRID ($RANKS chains x $((PROPOSALS / RANKS)) updates)"
job_run "${MPIEXEC[@]}" "$FLOWLAT" hybrid --run.seed=$((SEED + 1)) --flow.model="$MODEL" \
  --hybrid.chains="$RANKS" --hybrid.trajectories=$((PROPOSALS / RANKS)) --run.output="$HYBRID" \
  "${JOB_ARGS[@]}"
echo "== 4/5 hmc: $HMC ($RANKS chains x $((PROPOSALS / RANKS)) trajectories)"
job_run "${MPIEXEC[@]}" "$FLOWLAT" hmc --run.seed=$((SEED + 2)) --hmc.chains="$RANKS" \
  --hmc.trajectories=$((PROPOSALS / RANKS)) --run.output="$HMC" "${JOB_ARGS[@]}"
echo "== 5/5 flow-MH [1], hybrid [2] and HMC [3] side by side"
job_run "$FLOWLAT" analyze "$FLOW_MH" "$HYBRID" "$HMC"
echo "pipeline done in $((SECONDS - START)) s"
