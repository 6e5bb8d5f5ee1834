#!/bin/sh
# Compile-only check of a CUDA build of flowlat (docs/BUILDING_ON_CLUSTERS.md).
#
#   .ci/cuda_compile_check.sh <kokkos-cuda-prefix> [build-dir]
#
# Configures flowlat against an existing Kokkos install with the CUDA backend,
# with that install's nvcc_wrapper as the C++ compiler, and builds everything:
# the library, the flowlat executable, every test program and, when Google
# Benchmark is installed, the benchmarks. Nothing is run (no GPU needed): it
# checks that nvcc accepts the code, e.g. device lambdas only where nvcc allows
# them, and no host-only function called from a kernel. A machine with nvcc
# but no GPU is enough.
#
# Environment: NVCC (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc),
# FLOWLAT_CUDA_ARCH (default: from the Kokkos install's KOKKOS_ARCH_* macro,
# e.g. HOPPER90 -> sm_90; nvcc_wrapper's own default, sm_70, is gone from
# CUDA 13), JOBS (default 2), CMAKE_ARGS (extra configure arguments).
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 <kokkos-cuda-prefix> [build-dir]" >&2
  exit 2
fi
prefix=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$src/build-cuda-check}
jobs=${JOBS:-2}

wrapper=$prefix/bin/nvcc_wrapper
config_h=$(find "$prefix/include" -maxdepth 2 -name KokkosCore_config.h | head -n 1)
if [ ! -x "$wrapper" ] || [ -z "$config_h" ]; then
  echo "$0: $prefix is not a Kokkos install (no bin/nvcc_wrapper or KokkosCore_config.h)" >&2
  exit 2
fi
if ! grep -q '^#define KOKKOS_ENABLE_CUDA$' "$config_h"; then
  echo "$0: the Kokkos in $prefix has no CUDA backend ($config_h)" >&2
  exit 2
fi

# nvcc_wrapper calls `nvcc` from PATH
if ! command -v nvcc >/dev/null 2>&1; then
  nvcc=${NVCC:-/usr/local/cuda/bin/nvcc}
  if [ ! -x "$nvcc" ]; then
    echo "$0: no nvcc on PATH and none at $nvcc (set NVCC)" >&2
    exit 2
  fi
  PATH=$(dirname "$nvcc"):$PATH
  export PATH
fi

arch=${FLOWLAT_CUDA_ARCH:-}
if [ -z "$arch" ]; then
  # e.g. "#define KOKKOS_ARCH_HOPPER90" -> sm_90 (the GPU architecture, not the host's)
  arch=$(sed -n 's/^#define KOKKOS_ARCH_\(KEPLER\|MAXWELL\|PASCAL\|VOLTA\|TURING\|AMPERE\|ADA\|HOPPER\|BLACKWELL\)\([0-9][0-9]*\)$/sm_\2/p' \
           "$config_h" | head -n 1)
fi
if [ -z "$arch" ]; then
  echo "$0: no NVIDIA architecture in $config_h; set FLOWLAT_CUDA_ARCH (e.g. sm_90)" >&2
  exit 2
fi

benchmarks=OFF
if [ -f /usr/include/benchmark/benchmark.h ] || [ -n "${benchmark_DIR:-}" ]; then
  benchmarks=ON
fi

echo "flowlat CUDA compile check: Kokkos $prefix, -arch=$arch, $(nvcc --version | tail -n 1)"
echo "  build dir $build, benchmarks $benchmarks; nothing is run"
# shellcheck disable=SC2086  # CMAKE_ARGS is a list of arguments
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$wrapper" \
  -DCMAKE_CXX_FLAGS="-arch=$arch" \
  -DFLOWLAT_ENABLE_TESTS=ON -DFLOWLAT_ENABLE_BENCHMARKS=$benchmarks \
  ${CMAKE_ARGS:-}
cmake --build "$build" -j "$jobs"
echo "flowlat CUDA compile check: everything compiled and linked (no kernel was run)"
