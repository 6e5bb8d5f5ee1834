#!/bin/bash
# Slurm job array: a parameter scan, one run per array index, the index
# choosing a value of SCAN_KEY from SCAN_VALUES (jobscripts/scan.sh; outputs
# runs/scan_<array job id>/hmc_lambda_<value>.h5). --array must cover the values.
# Submit from the repository root (sbatch passes the environment on):
#   SCAN_KEY=theory.m2 SCAN_VALUES="-4 -3 -2" sbatch --array=0-2 jobscripts/slurm_scan.sh [INPUT.ini] [overrides]
#   sbatch jobscripts/slurm_scan.sh inputs/phi4_hmc.ini     (lambda = 4 6 8 10 12, --array=0-4)
# Check first: SLURM_ARRAY_TASK_ID=2 jobscripts/slurm_scan.sh --dry-run  (without
#   the index: every value)
#SBATCH --job-name=flowlat-scan
#SBATCH --array=0-4
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
#SBATCH --output=flowlat-scan-%A_%a.log
set -euo pipefail
# sbatch runs a copy of this file: the repository is where it was submitted
cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")/..}"
# shellcheck source=jobscripts/job_common.sh
source jobscripts/job_common.sh
job_parse_dry_run "$@"
job_print_directives jobscripts/slurm_scan.sh
job_bind_threads
export GPUS_PER_NODE=${GPUS_PER_NODE:-${SLURM_GPUS_ON_NODE:-0}}
job_set_launcher "${LAUNCH:-srun}"
if [[ -n "${SLURM_ARRAY_TASK_ID:-}" ]]; then export SCAN_INDEX=$SLURM_ARRAY_TASK_ID; fi
# every array element writes into one folder named after the array job
export RUNS=${RUNS:-runs/scan_${SLURM_ARRAY_JOB_ID:-local}}
exec jobscripts/scan.sh "${JOB_ARGS[@]}"
