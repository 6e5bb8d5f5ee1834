#!/bin/bash
# Slurm job: flowlat HMC ensemble, one MPI rank per task, chains spread over ranks.
# Submit from the repository root:
#   sbatch jobscripts/slurm_hmc.sh inputs/phi4_hmc.ini [--section.key=value ...]
# Check first: jobscripts/slurm_hmc.sh --dry-run inputs/phi4_hmc.ini  (or DRY_RUN=1)
# GPU nodes: add --gpus-per-node=N; each rank then gets one GPU.
# A preempted or timed-out job is continued by resubmitting it with the same
# output: OUTPUT=runs/hmc_<job>.h5 sbatch jobscripts/slurm_hmc.sh ... (it then
# runs with run.resume = true). SIGUSR1 120 s before the time limit stops
# flowlat cleanly with its chain state written (exit code 3). For a chain of
# jobs that resubmits itself: jobscripts/slurm_run_chain.sh.
#SBATCH --job-name=flowlat-hmc
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
#SBATCH --output=flowlat-hmc-%j.log
#SBATCH --signal=USR1@120
set -euo pipefail
# sbatch runs a copy of this file: the repository is where it was submitted
cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")/..}"
# shellcheck source=jobscripts/job_common.sh
source jobscripts/job_common.sh
job_parse_dry_run "$@"
set -- "${JOB_ARGS[@]}"
INPUT=${1:?usage: sbatch jobscripts/slurm_hmc.sh INPUT.ini [overrides...]}
shift
FLOWLAT=${FLOWLAT:-build/flowlat}
# A run never overwrites: name the output after the job unless the user did
# (an existing OUTPUT is continued).
OUTPUT=${OUTPUT:-runs/hmc_${SLURM_JOB_ID:-local}.h5}

job_print_directives jobscripts/slurm_hmc.sh
job_bind_threads
export GPUS_PER_NODE=${GPUS_PER_NODE:-${SLURM_GPUS_ON_NODE:-0}}
job_set_launcher "${LAUNCH:-srun}"
read -r -a LAUNCHER <<< "$LAUNCH"
job_run mkdir -p "$(dirname "$OUTPUT")"
job_resume_args "$OUTPUT"
job_run "${LAUNCHER[@]}" "$FLOWLAT" hmc --config "$INPUT" --run.output="$OUTPUT" "${RESUME[@]}" "$@"
job_run "$FLOWLAT" inspect "$OUTPUT"
