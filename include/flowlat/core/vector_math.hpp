// exp, log and sin/cos(2 pi u) in double written as straight-line arithmetic,
// bit operations and selects (no table, no branch, no libm call), so a loop
// of them vectorises: libm's scalar calls were the HMC momentum draws'
// whole cost and a tenth of a float32 flow proposal (Box-Muller, the affine
// couplings' exp). Accuracy over the domains below, in ulp of the result:
// exp and log <= 1, sin/cos(2 pi u) <= 2 (tests/core/test_vector_math.cpp
// measures it against long double). The polynomials go by Estrin's scheme:
// Horner's chain of dependent multiply-adds left a vector loop latency-bound.
#pragma once
#include <Kokkos_Core.hpp>

#include <cstdint>
#include <cstring>

namespace flowlat::vmath {

namespace detail {
KOKKOS_INLINE_FUNCTION std::uint64_t bits_of(double x) {
  std::uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}
KOKKOS_INLINE_FUNCTION double double_of(std::uint64_t u) {
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}
// 1.5 * 2^52: adding it rounds |x| < 2^51 to an integer held in the low bits
constexpr double kRoundShifter = 6755399441055744.0;
constexpr double kLn2Hi = 6.93147180369123816490e-01;  // trailing zeros: n * hi exact
constexpr double kLn2Lo = 1.90821492927058770002e-10;
// 2^n for n in [-1022, 1023]
KOKKOS_INLINE_FUNCTION double pow2(std::int64_t n) {
  return double_of(std::uint64_t(n + 1023) << 52);
}
}  // namespace detail

// e^x for every double: NaN stays NaN, overflow gives inf, underflow 0
// (through the subnormals). Range reduction x = n ln2 + r, |r| <= ln2 / 2,
// e^r by its Taylor series to r^13 (truncation < 1e-17).
KOKKOS_INLINE_FUNCTION double exp(double x) {
  using namespace detail;
  // clamped where the result is already inf / 0; a NaN passes both compares
  // (fmin/fmax would drop it)
  const double xc = x > 709.8 ? 709.8 : (x < -746.0 ? -746.0 : x);
  const double shifted = xc * 1.4426950408889634 + kRoundShifter;
  const double n = shifted - kRoundShifter;
  const std::int64_t ni = std::int64_t(bits_of(shifted) - bits_of(kRoundShifter));
  const double r = (xc - n * kLn2Hi) - n * kLn2Lo;
  // e^r = 1 + (r + r^2 P(r)): P by Estrin's scheme (four levels of
  // multiply-add instead of Horner's eleven dependent ones; a vector loop of
  // exps was latency-bound), the leading 1 + r added last for accuracy
  const double r2 = r * r, r4 = r2 * r2;
  const double a0 = 1.0 / 2.0 + r * (1.0 / 6.0), a1 = 1.0 / 24.0 + r * (1.0 / 120.0),
               a2 = 1.0 / 720.0 + r * (1.0 / 5040.0), a3 = 1.0 / 40320.0 + r * (1.0 / 362880.0),
               a4 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0),
               a5 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);  // to 1/13!
  const double P = (a0 + r2 * a1) + r4 * ((a2 + r2 * a3) + r4 * (a4 + r2 * a5));
  const double p = 1.0 + (r + r2 * P);
  // 2^n in two factors: n reaches -1076 and 1024, outside one exponent field
  // floor(n / 2) by a logical shift of n + 2048 >= 0 (no 64-bit arithmetic
  // shift before AVX-512)
  const std::int64_t half = std::int64_t(std::uint64_t(ni + 2048) >> 1) - 1024;
  return p * pow2(half) * pow2(ni - half);
}

// ln x for positive normal x (the uniforms of Box-Muller: (0, 1)); other
// inputs give unspecified values. fdlibm's reduction: x = 2^k m with m in
// [sqrt(1/2), sqrt(2)), ln m = ln(1 + f) through s = f / (2 + f) and the
// series of atanh in s^2 (to s^19, truncation < 1e-17 relative).
KOKKOS_INLINE_FUNCTION double log(double x) {
  using namespace detail;
  const std::uint64_t ix = bits_of(x);
  // musl's shift: the high word moved so that the mantissa lands in
  // [sqrt(1/2), sqrt(2)) and k absorbs the rest
  const std::uint64_t hx = (ix >> 32) + (0x3ff00000u - 0x3fe6a09eu);
  const std::int64_t k = std::int64_t(hx >> 20) - 0x3ff;
  const std::uint64_t hm = (hx & 0x000fffffu) + 0x3fe6a09eu;
  const double m = double_of((hm << 32) | (ix & 0xffffffffu));
  // k as a double without an int64 conversion (SSE2 and AVX2 have none)
  const double dk = double_of(std::uint64_t(0x4330000000000000) + std::uint64_t(k + 2048)) -
                    (4503599627370496.0 + 2048.0);
  const double f = m - 1.0;
  const double s = f / (2.0 + f), z = s * s;
  // R = z (2/3 + 2/5 z + ... + 2/19 z^8), by Estrin's scheme
  const double z2 = z * z, z4 = z2 * z2;
  const double b0 = 2.0 / 3.0 + z * (2.0 / 5.0), b1 = 2.0 / 7.0 + z * (2.0 / 9.0),
               b2 = 2.0 / 11.0 + z * (2.0 / 13.0), b3 = 2.0 / 15.0 + z * (2.0 / 17.0);
  const double R = z * ((b0 + z2 * b1) + z4 * ((b2 + z2 * b3) + z4 * (2.0 / 19.0)));
  const double hfsq = 0.5 * f * f;
  return dk * kLn2Hi - ((hfsq - (s * (hfsq + R) + dk * kLn2Lo)) - f);
}

// sin(2 pi u) and cos(2 pi u) for |u| < 2^49. u is reduced exactly, u = q/4 +
// r with |r| <= 1/8, so no rounding of 2 pi u enters; sin and cos of
// a = 2 pi r (|a| <= pi/4) by their Taylor series (to a^17 and a^16), then
// the quarter turn q.
KOKKOS_INLINE_FUNCTION void sincos_2pi(double u, double& s, double& c) {
  using namespace detail;
  const double shifted = 4.0 * u + kRoundShifter;
  const double q = shifted - kRoundShifter;
  const std::uint64_t quarter = bits_of(shifted) - bits_of(kRoundShifter);
  const double r = u - 0.25 * q;  // exact
  const double a = r * 6.28318530717958623200e+00 + r * 2.44929359829470635445e-16;
  const double a2 = a * a;
  // both series in a^2 by Estrin's scheme
  const double a4 = a2 * a2, a8 = a4 * a4;
  const double s0 = -1.0 / 6.0 + a2 * (1.0 / 120.0), s1 = -1.0 / 5040.0 + a2 * (1.0 / 362880.0),
               s2 = -1.0 / 39916800.0 + a2 * (1.0 / 6227020800.0),
               s3 = -1.0 / 1307674368000.0 + a2 * (1.0 / 355687428096000.0);  // to 1/17!
  const double sin_a = a + a * a2 * ((s0 + a4 * s1) + a8 * (s2 + a4 * s3));
  const double c0 = -0.5 + a2 * (1.0 / 24.0), c1 = -1.0 / 720.0 + a2 * (1.0 / 40320.0),
               c2 = -1.0 / 3628800.0 + a2 * (1.0 / 479001600.0),
               c3 = -1.0 / 87178291200.0 + a2 * (1.0 / 20922789888000.0);  // to 1/16!
  const double cos_a = 1.0 + a2 * ((c0 + a4 * c1) + a8 * (c2 + a4 * c3));
  // quarter turns: (sin, cos) -> (cos, -sin) -> (-sin, -cos) -> (-cos, sin),
  // as bit masks: a select or sign in a ?: is a branch GCC will not
  // if-convert under -ftrapping-math, and the loop would stay scalar
  const std::uint64_t swap = std::uint64_t(0) - (quarter & 1);  // all ones on odd q
  const std::uint64_t bs = bits_of(sin_a), bc = bits_of(cos_a);
  s = double_of(((bc & swap) | (bs & ~swap)) ^ ((quarter & 2) << 62));
  c = double_of(((bs & swap) | (bc & ~swap)) ^ (((quarter + 1) & 2) << 62));
}

}  // namespace flowlat::vmath
