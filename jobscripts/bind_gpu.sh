#!/bin/bash
# Started once per MPI rank by the launcher (srun, mpiexec): gives the rank
# one GPU of its node, chosen by its node-local rank, then runs the command.
# Kokkos then uses device 0, the only one it sees (Kokkos 3 and 4 alike).
# usage: LAUNCH jobscripts/bind_gpu.sh build/flowlat ...   (GPUS_PER_NODE set)
set -euo pipefail
LOCAL=${SLURM_LOCALID:-${OMPI_COMM_WORLD_LOCAL_RANK:-${PALS_LOCAL_RANKID:-${MPI_LOCALRANKID:-${PMI_LOCAL_RANK:-0}}}}}
GPUS=${GPUS_PER_NODE:-1}
# HIP (AMD GPUs) honours CUDA_VISIBLE_DEVICES too; setting ROCR_VISIBLE_DEVICES
# as well would filter twice and hide the GPU from every rank but the first.
export CUDA_VISIBLE_DEVICES=$((LOCAL % GPUS))
exec "$@"
