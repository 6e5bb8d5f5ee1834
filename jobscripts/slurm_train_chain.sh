#!/bin/bash
# Slurm job chain: one flow training continued across jobs. Each job trains
# from the model file the previous one left (train.init_model; the Adam state
# and the step are in the file, train.steps is the total), checkpointing
# every train.checkpoint_every steps. Slurm sends the batch shell SIGUSR1 120 s
# before the time limit; the job then submits its successor with
# --dependency=afterany on itself, and trains on until the limit kills it: the
# successor starts from the last checkpoint. A job whose training ends
# normally submits nothing, so the chain stops when train.steps is reached.
#
# Submit from the repository root (train.steps = the total over all jobs):
#   sbatch jobscripts/slurm_train_chain.sh [INPUT.ini] --train.steps=20000 --train.checkpoint_every=200
# Check first: jobscripts/slurm_train_chain.sh --dry-run [INPUT.ini] [overrides]
# environment: MODEL (default runs/train_chain_<first job id>/flow.model.h5),
#   MAX_JOBS (most jobs in the chain, default 10), FLOWLAT (default build/flowlat);
#   CHAIN_ID and CHAIN_JOB are passed on by the chain itself.
#
# HMC, Metropolis, hybrid and flow-MH runs are chained by
# jobscripts/slurm_run_chain.sh (run.resume).
#SBATCH --job-name=flowlat-train-chain
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
#SBATCH --output=flowlat-train-chain-%j.log
# B: signals the batch shell only: flowlat does not catch SIGUSR1, whose
# default action would end the training 120 s early
#SBATCH --signal=B:USR1@120
set -euo pipefail
# sbatch runs a copy of this file: the repository is where it was submitted
cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")/..}"
# shellcheck source=jobscripts/job_common.sh
source jobscripts/job_common.sh
job_parse_dry_run "$@"
CHAIN_ARGS=("${JOB_ARGS[@]}")  # passed unchanged to the successor
set -- "${JOB_ARGS[@]}"
INPUT=inputs/phi4_train.ini
if [[ $# -gt 0 && "$1" != --* ]]; then
  INPUT=$1
  shift
fi
FLOWLAT=${FLOWLAT:-build/flowlat}
CHAIN_ID=${CHAIN_ID:-${SLURM_JOB_ID:-local}}
CHAIN_JOB=${CHAIN_JOB:-1}
MAX_JOBS=${MAX_JOBS:-10}
MODEL=${MODEL:-runs/train_chain_${CHAIN_ID}/flow.model.h5}
INIT_MODEL=$(dirname "$MODEL")/init.model.h5

job_print_directives jobscripts/slurm_train_chain.sh
job_bind_threads
export GPUS_PER_NODE=${GPUS_PER_NODE:-${SLURM_GPUS_ON_NODE:-0}}
job_set_launcher "${LAUNCH:-srun}"
read -r -a LAUNCHER <<< "$LAUNCH"

# The successor: same arguments, same model, after this job ends however it ends.
submit_next() {
  job_chain_submit_next jobscripts/slurm_train_chain.sh train MODEL "${CHAIN_ARGS[@]}"
}

echo "train chain $CHAIN_ID: job $CHAIN_JOB, model $MODEL"
job_run mkdir -p "$(dirname "$MODEL")"
CONTINUE=()
if [[ -f "$MODEL" ]]; then
  # a run's input may not be its output: continue from a copy
  job_run cp "$MODEL" "$INIT_MODEL"
  # the previous job was killed at its time limit, maybe on another node,
  # where its lock cannot be checked; afterany means it is over
  job_run rm -f "$MODEL.lock"
  CONTINUE=(--train.init_model="$INIT_MODEL" --run.overwrite=true)
fi
TRAIN=("${LAUNCHER[@]}" "$FLOWLAT" train --config "$INPUT" "$@" --flow.model="$MODEL" "${CONTINUE[@]}")

if [[ "$DRY_RUN" == 1 ]]; then
  job_run "${TRAIN[@]}"
  echo "# on SIGUSR1 (120 s before the time limit):"
  submit_next
  exit 0
fi
trap submit_next USR1
# in the background: bash runs a trap only between commands, and wait
# returns as soon as the signal arrives
"${TRAIN[@]}" &
PID=$!
set +e
wait "$PID"
STATUS=$?
while kill -0 "$PID" 2> /dev/null; do  # the signal interrupted wait: train on
  wait "$PID"
  STATUS=$?
done
set -e
exit "$STATUS"
