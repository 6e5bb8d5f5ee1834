#!/bin/bash
# PBS job array: a parameter scan, one run per array index, the index
# choosing a value of SCAN_KEY from SCAN_VALUES (jobscripts/scan.sh; outputs
# runs/scan_<array job id>/hmc_lambda_<value>.h5). -J must cover the values.
# Submit from the repository root (PBS passes no arguments to a job script:
# the input goes in INPUT, overrides in ARGS):
#   qsub -J 0-2 -v SCAN_KEY=theory.m2,SCAN_VALUES="-4 -3 -2",INPUT=inputs/phi4_hmc.ini jobscripts/pbs_scan.sh
# Check first: PBS_ARRAY_INDEX=2 jobscripts/pbs_scan.sh --dry-run  (without the
#   index: every value)
#PBS -N flowlat-scan
#PBS -J 0-4
#PBS -l select=1:ncpus=4:mpiprocs=4:ompthreads=1
#PBS -l walltime=01:00:00
#PBS -j oe
set -euo pipefail
# PBS starts the job in the home directory: the repository is where it was submitted
cd "${PBS_O_WORKDIR:-$(dirname "$0")/..}"
# shellcheck source=jobscripts/job_common.sh
source jobscripts/job_common.sh
job_parse_dry_run "$@"
if [[ -n "${INPUT:-}" ]]; then JOB_ARGS=("$INPUT" "${JOB_ARGS[@]}"); fi
job_add_env_args
job_print_directives jobscripts/pbs_scan.sh
job_bind_threads
job_allow_root_mpiexec
job_set_launcher "${LAUNCH:-mpiexec -n $(job_pbs_ranks)}"
# PBS Pro: PBS_ARRAY_INDEX; Torque: PBS_ARRAYID
INDEX=${PBS_ARRAY_INDEX:-${PBS_ARRAYID:-}}
if [[ -n "$INDEX" ]]; then export SCAN_INDEX=$INDEX; fi
# every array element writes into one folder named after the array job (123[].server)
JOB=${PBS_JOBID:-local}
JOB=${JOB%%.*}
export RUNS=${RUNS:-runs/scan_${JOB%%\[*}}
exec jobscripts/scan.sh "${JOB_ARGS[@]}"
