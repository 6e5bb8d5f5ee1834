// The choice of the flow kernels' instruction set: every value of FLOWLAT_SIMD
// on every CPU a binary may meet (simulated by the `runnable` predicate, down
// to an SSE2-only one) gives a path that CPU runs, or InputError naming the
// variable; auto picks the fastest runnable path.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "flowlat/core/error.hpp"
#include "flowlat/core/simd_dispatch.hpp"

using namespace flowlat;

namespace {

const std::vector<SimdPath> kAll = {SimdPath::Baseline, SimdPath::Avx2, SimdPath::Avx512};

// The message of the InputError that `f` throws ("" if none).
template <class F>
std::string input_error(const F& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SimdDispatch, AutoPicksTheFastestRunnablePath) {
  const auto all = [](SimdPath) { return true; };
  const auto sse2_only = [](SimdPath p) { return p == SimdPath::Baseline; };
  const auto no_avx512 = [](SimdPath p) { return p != SimdPath::Avx512; };
  EXPECT_EQ(choose_simd_path("", kAll, all), SimdPath::Avx512);
  EXPECT_EQ(choose_simd_path("auto", kAll, all), SimdPath::Avx512);
  EXPECT_EQ(choose_simd_path("auto", kAll, no_avx512), SimdPath::Avx2);
  EXPECT_EQ(choose_simd_path("auto", kAll, sse2_only), SimdPath::Baseline);
  EXPECT_EQ(choose_simd_path("auto", {SimdPath::Baseline, SimdPath::Avx2}, all), SimdPath::Avx2);
}

// On an SSE2-only CPU (and every other combination), a named path is either
// runnable or refused: the dispatcher never hands out code the CPU lacks.
TEST(SimdDispatch, NeverChoosesAPathTheCpuCannotRun) {
  const std::vector<std::string> requests = {"", "auto", "sse2", "avx2", "avx512", "native",
                                             "generic", "device", "AVX2", "avx", "x"};
  for (int mask = 1; mask < 8; mask += 2) {  // the baseline is always runnable
    const auto runnable = [mask](SimdPath p) { return (mask >> int(p)) & 1; };
    for (const std::string& request : requests) {
      try {
        const SimdPath p = choose_simd_path(request, kAll, runnable);
        EXPECT_TRUE(runnable(p)) << request << " mask " << mask;
        if (request != "" && request != "auto") {
          EXPECT_EQ(request, simd_path_name(p));
        }
      } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("FLOWLAT_SIMD=" + request + ": ", 0), 0u) << e.what();
      }
    }
  }
}

TEST(SimdDispatch, RefusalsNameTheVariableAndTheReason) {
  const auto sse2_only = [](SimdPath p) { return p == SimdPath::Baseline; };
  const std::string lacking = input_error([&] { choose_simd_path("avx2", kAll, sse2_only); });
  EXPECT_NE(lacking.find("FLOWLAT_SIMD=avx2"), std::string::npos) << lacking;
  EXPECT_NE(lacking.find("does not support avx2"), std::string::npos) << lacking;
  EXPECT_EQ(lacking.find('\n'), std::string::npos) << lacking;

  const std::string unknown = input_error([&] { choose_simd_path("avx3", kAll, sse2_only); });
  EXPECT_NE(unknown.find("FLOWLAT_SIMD=avx3: unknown"), std::string::npos) << unknown;

  const std::string not_built =
      input_error([&] { choose_simd_path("avx512", {SimdPath::Baseline}, sse2_only); });
  EXPECT_NE(not_built.find("has no avx512 kernels"), std::string::npos) << not_built;
}

TEST(SimdDispatch, ThisBinaryAndCpu) {
  const std::vector<SimdPath> built = simd_paths_built();
  ASSERT_FALSE(built.empty());
  EXPECT_EQ(built.front(), SimdPath::Baseline);
  EXPECT_TRUE(simd_path_runnable(SimdPath::Baseline));
  const std::vector<SimdPath> runnable = simd_paths_runnable();
  EXPECT_EQ(runnable.front(), SimdPath::Baseline);
  for (const SimdPath p : built)
    if (!simd_path_runnable(p)) {
      EXPECT_THROW(use_simd_path(p), InputError);
    }
  const SimdPath in_use = simd_path();
  for (const SimdPath p : runnable) {
    use_simd_path(p);
    EXPECT_EQ(simd_path(), p);
  }
  use_simd_path(in_use);
}
