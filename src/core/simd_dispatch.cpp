// Chooses the flow kernels' instruction set from what this binary has (CMake
// defines FLOWLAT_SIMD_*, cmake/FlowlatSimdKernels.cmake), what the CPU runs
// (__builtin_cpu_supports, which also checks that the OS saves the wide
// registers) and what FLOWLAT_SIMD asks for.
#include "flowlat/core/simd_dispatch.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "flowlat/core/error.hpp"

#ifndef FLOWLAT_SIMD_BASELINE
#define FLOWLAT_SIMD_BASELINE "generic"
#endif

namespace flowlat {
namespace {

// Every name a path has in some build, so a name this build lacks is told
// apart from a typo.
constexpr const char* kAllNames[] = {"sse2",    "avx2",   "avx512", "native",
                                     "generic", "device", "inline"};

std::vector<SimdPath> runnable_of(const std::vector<SimdPath>& built,
                                  const std::function<bool(SimdPath)>& runnable) {
  std::vector<SimdPath> paths;
  for (const SimdPath p : built)
    if (runnable(p)) paths.push_back(p);
  return paths;
}

std::atomic<int> g_path{-1};  // the SimdPath in use; -1 until chosen

}  // namespace

const char* simd_path_name(SimdPath path) {
  switch (path) {
    case SimdPath::Avx2:
      return "avx2";
    case SimdPath::Avx512:
      return "avx512";
    default:
      return FLOWLAT_SIMD_BASELINE;
  }
}

std::vector<SimdPath> simd_paths_built() {
  std::vector<SimdPath> paths{SimdPath::Baseline};
#ifdef FLOWLAT_SIMD_HAVE_AVX2
  paths.push_back(SimdPath::Avx2);
#endif
#ifdef FLOWLAT_SIMD_HAVE_AVX512
  paths.push_back(SimdPath::Avx512);
#endif
  return paths;
}

bool simd_path_runnable(SimdPath path) {
#if defined(__GNUC__) && defined(__x86_64__)
  __builtin_cpu_init();
  switch (path) {
    case SimdPath::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SimdPath::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
    default:
      return true;
  }
#else
  return path == SimdPath::Baseline;
#endif
}

std::vector<SimdPath> simd_paths_runnable() {
  return runnable_of(simd_paths_built(), simd_path_runnable);
}

std::string simd_path_list(const std::vector<SimdPath>& paths) {
  std::string text;
  for (const SimdPath p : paths) text += (text.empty() ? "" : ", ") + std::string(simd_path_name(p));
  return text;
}

SimdPath choose_simd_path(const std::string& request, const std::vector<SimdPath>& built,
                          const std::function<bool(SimdPath)>& runnable) {
  const std::vector<SimdPath> usable = runnable_of(built, runnable);
  if (request.empty() || request == "auto") return usable.empty() ? SimdPath::Baseline : usable.back();
  const std::string what = std::string(kSimdVariable) + "=" + request + ": ";
  for (const SimdPath p : built) {
    if (request != simd_path_name(p)) continue;
    if (!runnable(p))
      throw InputError(what + "this CPU does not support " + request + " (it runs: " +
                       simd_path_list(usable) + ")");
    return p;
  }
  if (std::find(std::begin(kAllNames), std::end(kAllNames), request) != std::end(kAllNames))
    throw InputError(what + "this binary has no " + request + " kernels (it has: " +
                     simd_path_list(built) + ")");
  throw InputError(what + "unknown instruction set (expected auto, " + simd_path_list(built) + ")");
}

SimdPath simd_path() {
  int path = g_path.load();
  if (path < 0) {
    const char* request = std::getenv(kSimdVariable);
    path = int(choose_simd_path(request ? request : "", simd_paths_built(), simd_path_runnable));
    g_path.store(path);  // concurrent first calls choose the same
  }
  return SimdPath(path);
}

void use_simd_path(SimdPath path) {
  g_path.store(int(choose_simd_path(simd_path_name(path), simd_paths_built(), simd_path_runnable)));
}

void agree_simd_path(const MpiContext& mpi) {
  int path = int(simd_path());
  MPI_Allreduce(MPI_IN_PLACE, &path, 1, MPI_INT, MPI_MIN, mpi.comm());
  if (path != int(simd_path())) use_simd_path(SimdPath(path));
}

}  // namespace flowlat
