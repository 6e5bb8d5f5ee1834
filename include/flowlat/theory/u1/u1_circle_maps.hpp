// Invertible maps of the circle [0, 2 pi) used by the gauge-equivariant
// coupling layers, each with the partial derivatives the reverse passes need.
// A map takes raw (unconstrained) parameters p[0..param_count(K)-1], as the
// net outputs them, and gives
//   y = f(x) in [0, 2 pi), dy/dx > 0, log dy/dx,
//   d(log dy/dx)/dx, dy/dp_c and d(log dy/dx)/dp_c.
#pragma once
#include "flowlat/core/math.hpp"
#include "flowlat/core/types.hpp"
#include "flowlat/theory/u1/u1_plaquette.hpp"

namespace flowlat {

// The most raw parameters of one map (K components or bins).
inline constexpr int kMaxCircleParams = 64;

struct CircleMapPartials {
  real_t y, dy_dx, log_dy_dx, d_log_dx;
  real_t dy_dp[kMaxCircleParams], d_log_dp[kMaxCircleParams];
};

// Mixture of non-compact projections and a rotation (Kanwar et al. 2020; the
// tutorial's NCP coupling): p = (s_1..s_K, t),
//   y = ( (1/K) sum_k g(x; e^{s_k}) + t ) mod 2 pi,
//   g(x; a) = 2 atan(a tan(x/2)), continued to a bijection of [0, 2 pi)
// and written as x + 2 atan2((a-1) sin(x/2) cos(x/2), cos^2(x/2) + a sin^2(x/2)),
// which is smooth through x = pi. All s_k = 0, t = 0 is the identity.
struct NcpCircleMap {
  static const char* name() { return "ncp"; }
  static int param_count(int components) { return components + 1; }

  KOKKOS_INLINE_FUNCTION static void evaluate(real_t x, const real_t* p, int K,
                                              CircleMapPartials& m) {
    const real_t hs = math::sin(0.5 * x), hc = math::cos(0.5 * x);
    const real_t s2 = hs * hs, c2 = hc * hc, sin_x = 2 * hs * hc;
    real_t mean = 0, slope = 0, slope_dx = 0;
    for (int k = 0; k < K; ++k) {
      const real_t a = math::exp(p[k]);
      const real_t D = c2 + a * a * s2;
      const real_t g = x + 2 * math::atan2((a - 1) * hs * hc, c2 + a * s2);
      const real_t dg = a / D;                                 // dg/dx
      const real_t dlog_dx = -(a * a - 1) * sin_x / (2 * D);   // d log(dg/dx) / dx
      const real_t dlog_ds = 1 - 2 * a * a * s2 / D;           // d log(dg/dx) / ds
      mean += g;
      slope += dg;
      slope_dx += dg * dlog_dx;
      m.dy_dp[k] = a * sin_x / D / K;  // dg/ds = a dg/da
      m.d_log_dp[k] = dg * dlog_ds;    // divided by slope below
    }
    mean /= K;
    slope /= K;
    slope_dx /= K;
    for (int k = 0; k < K; ++k) m.d_log_dp[k] /= K * slope;
    m.dy_dp[K] = 1;  // rotation
    m.d_log_dp[K] = 0;
    m.y = u1::wrap_positive(mean + p[K]);
    m.dy_dx = slope;
    m.log_dy_dx = math::log(slope);
    m.d_log_dx = slope_dx / slope;
  }

  // x with f(x) = y: Newton steps kept inside a bisection bracket, to 1e-13.
  KOKKOS_INLINE_FUNCTION static real_t inverse(real_t y, const real_t* p, int K) {
    const real_t target = u1::wrap_positive(y - p[K]);
    real_t lo = 0, hi = u1::two_pi, x = target;
    for (int it = 0; it < 200; ++it) {
      const real_t hs = math::sin(0.5 * x), hc = math::cos(0.5 * x);
      const real_t s2 = hs * hs, c2 = hc * hc;
      real_t h = 0, dh = 0;
      for (int k = 0; k < K; ++k) {
        const real_t a = math::exp(p[k]);
        h += x + 2 * math::atan2((a - 1) * hs * hc, c2 + a * s2);
        dh += a / (c2 + a * a * s2);
      }
      h = h / K - target;
      dh /= K;
      if (h > 0) hi = x; else lo = x;
      if (math::fabs(h) < 1e-14 || hi - lo < 1e-14) break;
      real_t next = x - h / dh;
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      if (math::fabs(next - x) < 1e-15) { x = next; break; }
      x = next;
    }
    return x;
  }
};

}  // namespace flowlat
