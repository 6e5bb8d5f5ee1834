// The core's measured float32 multiply-add peak, for the "fraction of peak"
// figures of bench/compare_torch.py: the nominal clock a VM reports is not the
// clock the core runs at (here 2.25 GHz nominal, ~3.3 GHz measured), so a peak
// from it flatters every kernel. Independent FMA chains, enough of them to
// cover the FMA latency on both ports, in the widest instruction set the CPU
// has (AVX-512 or AVX2+FMA; else SSE2 multiply + add). Prints one line:
//   fma_peak: <isa> <GFLOP/s float32> <GFLOP/s float64>
// One thread; pin it (taskset) to the core under test.
#include <chrono>
#include <cstdio>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FLOWLAT_FMA_PEAK_X86
#endif

namespace {

constexpr long kIterations = 100'000'000;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// GFLOP/s of kChains independent chains x = x * a + b on vectors of type V
// (lanes of T), in the instruction set of the function it is expanded in
// (a template would not inherit the target attribute).
#define FLOWLAT_FMA_CHAINS(T, V, kChains, result)                           \
  do {                                                                      \
    typedef T Vec __attribute__((vector_size(sizeof(V))));                 \
    constexpr int lanes = int(sizeof(V) / sizeof(T));                      \
    Vec acc[kChains];                                                       \
    const Vec a = T(0.999999) - Vec{}, b = T(1e-7) - Vec{};                \
    for (int i = 0; i < kChains; ++i) acc[i] = T(1) - Vec{};               \
    const auto t0 = std::chrono::steady_clock::now();                      \
    for (long k = 0; k < kIterations; ++k) {                               \
      _Pragma("GCC unroll 32") for (int i = 0; i < kChains; ++i) acc[i] =  \
          acc[i] * a + b;                                                   \
    }                                                                       \
    const double s = seconds_since(t0);                                     \
    T sum = 0;                                                              \
    for (int i = 0; i < kChains; ++i) sum += acc[i][0];                    \
    volatile T sink = sum;                                                  \
    (void)sink;                                                             \
    result = 2.0 * lanes * kChains * double(kIterations) / s * 1e-9;        \
  } while (0)

#ifdef FLOWLAT_FMA_PEAK_X86
__attribute__((target("avx512f"))) void avx512(double& f32, double& f64) {
  FLOWLAT_FMA_CHAINS(float, __m512, 24, f32);
  FLOWLAT_FMA_CHAINS(double, __m512d, 24, f64);
}
__attribute__((target("avx2,fma"))) void avx2(double& f32, double& f64) {
  FLOWLAT_FMA_CHAINS(float, __m256, 12, f32);
  FLOWLAT_FMA_CHAINS(double, __m256d, 12, f64);
}
#endif
void baseline(double& f32, double& f64) {  // SSE2 on x86-64: multiply, then add
  FLOWLAT_FMA_CHAINS(float, float[4], 12, f32);
  FLOWLAT_FMA_CHAINS(double, double[2], 12, f64);
}

}  // namespace

int main() {
  double f32 = 0, f64 = 0;
  const char* isa = "scalar";
#ifdef FLOWLAT_FMA_PEAK_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    isa = "avx512";
    avx512(f32, f64);
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    isa = "avx2";
    avx2(f32, f64);
  } else {
    isa = "sse2";
    baseline(f32, f64);
  }
#else
  isa = "baseline";
  baseline(f32, f64);
#endif
  std::printf("fma_peak: %s %.1f %.1f\n", isa, f32, f64);
  return 0;
}
