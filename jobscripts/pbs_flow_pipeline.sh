#!/bin/bash
# PBS job: the flow pipeline (train, flow-MH sample, HMC of the same length,
# side-by-side analysis) with one MPI rank per mpiprocs, through mpiexec.
# Submit from the repository root (PBS passes no arguments to a job script:
# overrides go in ARGS):
#   qsub -v ARGS="--train.steps=500" jobscripts/pbs_flow_pipeline.sh
# Check first: jobscripts/pbs_flow_pipeline.sh --dry-run  (or DRY_RUN=1)
# GPU nodes: add ngpus=N to the select line and -v GPUS_PER_NODE=N.
#PBS -N flowlat-flow
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
job_print_directives jobscripts/pbs_flow_pipeline.sh
job_bind_threads
RANKS=$(job_pbs_ranks)
export RANKS
job_allow_root_mpiexec
job_set_launcher "${LAUNCH:-mpiexec -n $RANKS}"
# outputs named after the job (PBS_JOBID is 123.server): a run never overwrites another
JOB=${PBS_JOBID:-local}
export RUNS=${RUNS:-runs/flow_${JOB%%.*}}
exec jobscripts/flow_pipeline.sh "${JOB_ARGS[@]}"
