#!/bin/bash
# Runs an HMC ensemble on this machine with N ranks (default 2), as root or not.
# usage: jobscripts/local_hmc.sh [N] [--config inputs/phi4_hmc.ini] [--section.key=value ...]
set -euo pipefail
N=${1:-2}
shift || true
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpiexec --oversubscribe -n "$N" build/flowlat hmc "$@"
