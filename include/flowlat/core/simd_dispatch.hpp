// Which instruction set the flow's hot kernels (the stencil convolutions) run
// with. A host build holds them compiled for several (src/flow/isa/); the
// process uses the best one the CPU supports, or the one the environment
// variable FLOWLAT_SIMD names (auto | sse2 | avx2 | avx512).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "flowlat/core/mpi_context.hpp"

namespace flowlat {

// Ordered: a later path is faster and needs more of the CPU.
enum class SimdPath { Baseline, Avx2, Avx512 };

inline constexpr const char* kSimdVariable = "FLOWLAT_SIMD";

// "avx2", "avx512"; the baseline is "sse2" in a portable x86-64 build,
// "native" with FLOWLAT_NATIVE_ARCH, "generic" on other CPUs, "device" in GPU
// builds and "inline" with FLOWLAT_SIMD_DISPATCH=OFF (neither dispatches).
const char* simd_path_name(SimdPath path);
// The paths this binary has, baseline first.
std::vector<SimdPath> simd_paths_built();
// Whether this CPU and its OS run `path` (the baseline: always).
bool simd_path_runnable(SimdPath path);
// The built paths this CPU runs, baseline first.
std::vector<SimdPath> simd_paths_runnable();
// "sse2, avx2, avx512"
std::string simd_path_list(const std::vector<SimdPath>& paths);

// The path FLOWLAT_SIMD = `request` asks for: empty or "auto" = the last of
// `built` that `runnable` accepts (else the baseline). InputError naming
// FLOWLAT_SIMD if the value names no path, a path not in `built`, or one that
// `runnable` rejects: a named path is never returned unless runnable.
SimdPath choose_simd_path(const std::string& request, const std::vector<SimdPath>& built,
                          const std::function<bool(SimdPath)>& runnable);

// The path in use. The first call chooses it from FLOWLAT_SIMD and this CPU
// (InputError as above).
SimdPath simd_path();
// Uses `path` from now on (tests compare paths); InputError if this binary
// lacks it or this CPU cannot run it.
void use_simd_path(SimdPath path);
// Collective: every rank uses the slowest of the ranks' paths, so results do
// not depend on which nodes the ranks run on (and files record one path).
void agree_simd_path(const MpiContext& mpi);

}  // namespace flowlat
