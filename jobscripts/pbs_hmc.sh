#!/bin/bash
# PBS job: flowlat HMC ensemble, one MPI rank per mpiprocs, chains spread over ranks.
# Submit from the repository root (PBS passes no arguments to a job script:
# the input goes in INPUT, overrides in ARGS):
#   qsub -v INPUT=inputs/phi4_hmc.ini,ARGS="--hmc.trajectories=5000" jobscripts/pbs_hmc.sh
# Check first: jobscripts/pbs_hmc.sh --dry-run inputs/phi4_hmc.ini  (or DRY_RUN=1)
# GPU nodes: add ngpus=N to the select line and -v GPUS_PER_NODE=N.
# A job that was killed is continued by resubmitting it with the same output:
#   qsub -v INPUT=...,OUTPUT=runs/hmc_<job>.h5 jobscripts/pbs_hmc.sh  (run.resume = true)
#PBS -N flowlat-hmc
#PBS -l select=1:ncpus=4:mpiprocs=4:ompthreads=1
#PBS -l walltime=01:00:00
#PBS -j oe
set -euo pipefail
# PBS starts the job in the home directory: the repository is where it was submitted
cd "${PBS_O_WORKDIR:-$(dirname "$0")/..}"
# shellcheck source=jobscripts/job_common.sh
source jobscripts/job_common.sh
job_parse_dry_run "$@"
job_add_env_args
set -- "${JOB_ARGS[@]}"
# the input: INPUT, else the first argument (a direct or dry run)
if [[ -z "${INPUT:-}" ]]; then
  INPUT=${1:?usage: qsub -v INPUT=FILE.ini[,ARGS=\"overrides\"] jobscripts/pbs_hmc.sh}
  shift
fi
FLOWLAT=${FLOWLAT:-build/flowlat}
# A run never overwrites: name the output after the job (123.server) unless the
# user did (an existing OUTPUT is continued).
JOB=${PBS_JOBID:-local}
OUTPUT=${OUTPUT:-runs/hmc_${JOB%%.*}.h5}

job_print_directives jobscripts/pbs_hmc.sh
job_bind_threads
job_allow_root_mpiexec
job_set_launcher "${LAUNCH:-mpiexec -n $(job_pbs_ranks)}"
read -r -a LAUNCHER <<< "$LAUNCH"
job_run mkdir -p "$(dirname "$OUTPUT")"
job_resume_args "$OUTPUT"
job_run "${LAUNCHER[@]}" "$FLOWLAT" hmc --config "$INPUT" --run.output="$OUTPUT" "${RESUME[@]}" "$@"
job_run "$FLOWLAT" inspect "$OUTPUT"
