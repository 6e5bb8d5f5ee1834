#!/bin/bash
# Slurm job: the flow pipeline (train, flow-MH sample, HMC of the same length,
# side-by-side analysis) with one MPI rank per task, through srun.
# Submit:  sbatch jobscripts/slurm_flow_pipeline.sh [--section.key=value ...]
#SBATCH --job-name=flowlat-flow
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
#SBATCH --output=flowlat-flow-%j.log
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
export OMP_PROC_BIND=spread OMP_PLACES=threads
# outputs named after the job: a run never overwrites another
export RUNS=${RUNS:-runs/flow_${SLURM_JOB_ID:-local}}
export RANKS=${SLURM_NTASKS:-4}
export LAUNCH=${LAUNCH:-srun}
exec jobscripts/flow_pipeline.sh "$@"
