#!/usr/bin/env bash
# Builds the benchmarks (Release) in build-bench/ and runs them, writing
# JSON next to the console output. usage: bench/run_benchmarks.sh [min_time_s]
set -euo pipefail
cd "$(dirname "$0")/.."
MIN_TIME=${1:-1}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DFLOWLAT_ENABLE_BENCHMARKS=ON \
      -DFLOWLAT_ENABLE_TESTS=OFF > /dev/null
cmake --build build-bench -j2 --target bench_hmc bench_observables bench_flow bench_u1 > /dev/null
mkdir -p build-bench/results
for b in bench_hmc bench_observables bench_flow bench_u1; do
  build-bench/bench/$b --benchmark_min_time="$MIN_TIME" \
    --benchmark_out=build-bench/results/$b.json --benchmark_out_format=json
done
