#!/bin/bash
# Slurm job: flowlat HMC ensemble, one MPI rank per task, chains spread over ranks.
# Submit:  sbatch jobscripts/slurm_hmc.sh inputs/phi4_hmc.ini [--section.key=value ...]
#SBATCH --job-name=flowlat-hmc
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
#SBATCH --output=flowlat-hmc-%j.log
set -euo pipefail

INPUT=${1:?usage: sbatch jobscripts/slurm_hmc.sh INPUT.ini [overrides...]}
shift
FLOWLAT=${FLOWLAT:-$SLURM_SUBMIT_DIR/build/flowlat}
# A run never overwrites: name the output after the job unless the user did.
OUTPUT=${OUTPUT:-runs/hmc_${SLURM_JOB_ID}.h5}

export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
export OMP_PROC_BIND=spread OMP_PLACES=threads
# On GPU nodes, bind each rank to its GPU from SLURM_LOCALID (Kokkos 4: --kokkos-device-id).
DEVICE_ARGS=()
if [[ -n "${SLURM_GPUS_ON_NODE:-}" ]]; then
  DEVICE_ARGS=(--kokkos-map-device-id-by=mpi_rank)
fi

srun "$FLOWLAT" hmc --config "$INPUT" --run.output="$OUTPUT" "$@" "${DEVICE_ARGS[@]}"
"$FLOWLAT" inspect "$OUTPUT"
