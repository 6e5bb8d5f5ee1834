#!/bin/bash
# Slurm job: the flow pipeline (train, flow-MH sample, HMC of the same length,
# side-by-side analysis) with one MPI rank per task, through srun.
# Submit from the repository root:
#   sbatch jobscripts/slurm_flow_pipeline.sh [--section.key=value ...]
# Check first: jobscripts/slurm_flow_pipeline.sh --dry-run  (or DRY_RUN=1)
# GPU nodes: add --gpus-per-node=N; each rank then gets one GPU.
#SBATCH --job-name=flowlat-flow
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
#SBATCH --output=flowlat-flow-%j.log
set -euo pipefail
# sbatch runs a copy of this file: the repository is where it was submitted
cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")/..}"
# shellcheck source=jobscripts/job_common.sh
source jobscripts/job_common.sh
job_parse_dry_run "$@"
job_print_directives jobscripts/slurm_flow_pipeline.sh
job_bind_threads
export GPUS_PER_NODE=${GPUS_PER_NODE:-${SLURM_GPUS_ON_NODE:-0}}
job_set_launcher "${LAUNCH:-srun}"
# outputs named after the job: a run never overwrites another
export RUNS=${RUNS:-runs/flow_${SLURM_JOB_ID:-local}}
export RANKS=${SLURM_NTASKS:-4}
exec jobscripts/flow_pipeline.sh "${JOB_ARGS[@]}"
