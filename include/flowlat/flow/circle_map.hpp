// Invertible maps of the circle [0, 2 pi) onto itself, with the partial derivatives a
// gauge-equivariant coupling layer needs (Kanwar et al. arXiv:2003.06413; the tutorial
// arXiv:2101.08176): the NCP mixture and the circular rational-quadratic spline.
//
// Both take K (1 <= K <= kMaxCircleComponents) and raw, unconstrained parameters p (a network's
// outputs for one plaquette); all-zero raw parameters are the identity map for both. Both
// have degree 1 (y(x + 2 pi) = y(x) + 2 pi) and are strictly increasing; inputs are taken
// mod 2 pi, outputs lie in [0, 2 pi). Everything is device code.
//
// With CircleMapPartials at x the layer's backward passes need nothing else:
// circle_map_forward_backward for y = f(x), circle_map_inverse_backward for x = f^{-1}(y)
// (implicit function theorem).
#pragma once
#include <Kokkos_Core.hpp>

#include "flowlat/core/math.hpp"
#include "flowlat/core/types.hpp"

namespace flowlat {

inline constexpr int kMaxCircleComponents = 16;  // NCP mixture components or spline bins
inline constexpr int kMaxCircleParams = 3 * kMaxCircleComponents + 1;

struct CircleMapPartials {
  real_t y;          // f(x) in [0, 2 pi)
  real_t dy_dx;      // f'(x) > 0
  real_t log_dy_dx;  // log f'(x)
  real_t d_log_dx;   // d log f'(x) / dx
  // d f / dp_i and d log f'(x) / dp_i for the map's parameter count (the wrap of y to
  // [0, 2 pi) is locally constant, so dy_dp is that of the unwrapped value)
  real_t dy_dp[kMaxCircleParams];
  real_t d_log_dp[kMaxCircleParams];
};

KOKKOS_INLINE_FUNCTION constexpr real_t two_pi() { return 2 * math::pi; }

// x mod 2 pi in [0, 2 pi) (a value that rounds to 2 pi is 0). The maps reduce their rotation
// with it before adding it, so that forward and inverse round at the scale of 2 pi and not of
// |t| (a raw rotation can be any real).
KOKKOS_INLINE_FUNCTION real_t wrap_angle(real_t x) {
  real_t r = x - two_pi() * math::floor(x / two_pi());
  if (r >= two_pi()) r -= two_pi();
  if (r < 0) r += two_pi();
  return r >= two_pi() ? 0 : r;
}

// ---- NCP mixture -------------------------------------------------------------------------
// y = (1/K) sum_k g(x; alpha_k) + t  (mod 2 pi),  g(x; alpha) = 2 atan(alpha tan(x/2)),
// alpha_k = exp(s_k), p = (s_1..s_K, t): the tutorial's parametrisation, whose network's
// last channel is the rotation t in radians, added as it is. g is evaluated as
// 2 atan2(alpha sin(x/2), cos(x/2)): the continuous branch, a bijection of [0, 2 pi] with
// g(0) = 0, g(pi) = pi, g(2 pi) = 2 pi, and no tan(pi/2) to overflow.
// g'(x) = 1 / (cos^2(x/2)/alpha + alpha sin^2(x/2)).

KOKKOS_INLINE_FUNCTION int ncp_param_count(int K) { return K + 1; }

namespace circle_map_detail {

// (1/K) sum_k g_k(x) (not wrapped, in [0, 2 pi] for x in [0, 2 pi]) and its slope.
KOKKOS_INLINE_FUNCTION void ncp_mean(real_t x, const real_t* p, int K, real_t& value,
                                     real_t& slope) {
  const real_t s = math::sin(0.5 * x), c = math::cos(0.5 * x);
  value = 0;
  slope = 0;
  for (int k = 0; k < K; ++k) {
    const real_t a = math::exp(p[k]);
    value += 2 * math::atan2(a * s, c);
    slope += 1 / (c * c / a + a * s * s);
  }
  value /= K;
  slope /= K;
}

}  // namespace circle_map_detail

KOKKOS_INLINE_FUNCTION void ncp_evaluate(real_t x, const real_t* p, int K, CircleMapPartials& out) {
  x = wrap_angle(x);
  const real_t s = math::sin(0.5 * x), c = math::cos(0.5 * x), sin_x = 2 * s * c;
  // e_k = cos^2/alpha + alpha sin^2 = 1/g_k'. f' = mean_k 1/e_k is summed as e_min/e_k <= 1.
  real_t alpha[kMaxCircleComponents], e[kMaxCircleComponents];
  real_t value = 0, e_min = 0;
  for (int k = 0; k < K; ++k) {
    alpha[k] = math::exp(p[k]);
    e[k] = c * c / alpha[k] + alpha[k] * s * s;
    value += 2 * math::atan2(alpha[k] * s, c);
    e_min = (k == 0 || e[k] < e_min) ? e[k] : e_min;
  }
  real_t ratio_sum = 0;
  for (int k = 0; k < K; ++k) ratio_sum += e_min / e[k];
  out.y = wrap_angle(value / K + wrap_angle(p[K]));
  out.log_dy_dx = math::log(ratio_sum / K) - math::log(e_min);
  out.dy_dx = math::exp(out.log_dy_dx);
  // dg_k/ds_k = sin x / e_k; with pi_k = g_k' / sum_j g_j':
  // d log f'/ds_k = pi_k (cos^2/alpha - alpha sin^2) / e_k,
  // d log f'/dx = -sum_k pi_k (sin x / 2)(alpha_k - 1/alpha_k) / e_k.
  out.d_log_dx = 0;
  for (int k = 0; k < K; ++k) {
    const real_t pi_k = e_min / e[k] / ratio_sum;
    out.dy_dp[k] = sin_x / (K * e[k]);
    out.d_log_dp[k] = pi_k * (c * c / alpha[k] - alpha[k] * s * s) / e[k];
    out.d_log_dx -= pi_k * 0.5 * sin_x * (alpha[k] - 1 / alpha[k]) / e[k];
  }
  out.dy_dp[K] = 1;
  out.d_log_dp[K] = 0;
}

// x in [0, 2 pi) with f(x) = y: Newton's method safeguarded by the bracket [lo, hi] (initially
// [0, 2 pi]) as in Numerical Recipes' rtsafe: bisection where a Newton step would leave the
// bracket or shrinks less than half as fast as the step before last (Newton can cycle on a
// mixture). Stops when the Newton correction is below 1e-14 (applied; the error left is of
// its square) or the bracket is that narrow.
KOKKOS_INLINE_FUNCTION real_t ncp_inverse(real_t y, const real_t* p, int K) {
  const real_t z = wrap_angle(y - wrap_angle(p[K]));
  real_t lo = 0, hi = two_pi(), x = z;  // the identity's root as the first guess
  real_t step = two_pi(), step_old = two_pi();
  for (int it = 0; it < 200; ++it) {
    real_t value = 0, slope = 0;
    circle_map_detail::ncp_mean(x, p, K, value, slope);
    const real_t f = value - z, newton = f / slope;
    if (math::fabs(newton) <= 1e-14) {
      x -= newton;
      break;
    }
    if (f < 0) {
      lo = x;
    } else {
      hi = x;
    }
    const bool slow = 2 * math::fabs(newton) > math::fabs(step_old);
    step_old = step;
    if (slow || !(x - newton > lo && x - newton < hi)) {
      step = 0.5 * (hi - lo);
      x = lo + step;
    } else {
      step = newton;
      x -= newton;
    }
    if (hi - lo <= 1e-14) break;
  }
  return wrap_angle(x);
}

// ---- circular rational-quadratic spline ----------------------------------------------------
// Durkan et al. 2019 (arXiv:1906.04032) on [0, 2 pi] with periodic knot derivatives (Rezende et
// al. 2020, arXiv:2002.02428), then a rotation: y = (spline(x) + t) mod 2 pi.
// p = (u_0..u_{K-1}, v_0..v_{K-1}, r_0..r_{K-1}, t):
//   bin widths  w_k = 2 pi (m + (1 - K m) softmax(u)_k), heights h_k likewise from v,
//   knot slopes d_k = m_d + softplus(r_k + c) at x_k (k = 0..K-1; d_K = d_0, so f' is
//   continuous across 0 = 2 pi), c chosen so that d_k = 1 at r_k = 0,
//   m = kSplineMinBin, m_d = kSplineMinSlope (Durkan et al.'s defaults).
// Zero raw parameters: equal bins, unit slopes, the identity. f is C^1 (f'' jumps at knots).

inline constexpr real_t kSplineMinBin = 1e-3;
inline constexpr real_t kSplineMinSlope = 1e-3;

KOKKOS_INLINE_FUNCTION int spline_param_count(int K) { return 3 * K + 1; }

namespace circle_map_detail {

// Knots (x_k, y_k), k = 0..K, x_0 = y_0 = 0 and x_K = y_K = 2 pi exactly; softmax
// probabilities of widths and heights; knot slopes d_k and their r-derivatives.
struct SplineKnots {
  real_t x[kMaxCircleComponents + 1], y[kMaxCircleComponents + 1];
  real_t pw[kMaxCircleComponents], ph[kMaxCircleComponents];
  real_t d[kMaxCircleComponents], dd_dr[kMaxCircleComponents];
};

KOKKOS_INLINE_FUNCTION void softmax(const real_t* u, int K, real_t* prob) {
  real_t u_max = u[0], sum = 0;
  for (int k = 1; k < K; ++k) u_max = u[k] > u_max ? u[k] : u_max;
  for (int k = 0; k < K; ++k) sum += (prob[k] = math::exp(u[k] - u_max));
  for (int k = 0; k < K; ++k) prob[k] /= sum;
}

KOKKOS_INLINE_FUNCTION void spline_knots(const real_t* p, int K, SplineKnots& kn) {
  softmax(p, K, kn.pw);
  softmax(p + K, K, kn.ph);
  const real_t scale = two_pi() * (1 - K * kSplineMinBin);
  kn.x[0] = kn.y[0] = 0;
  for (int k = 1; k < K; ++k) {
    kn.x[k] = kn.x[k - 1] + two_pi() * kSplineMinBin + scale * kn.pw[k - 1];
    kn.y[k] = kn.y[k - 1] + two_pi() * kSplineMinBin + scale * kn.ph[k - 1];
  }
  kn.x[K] = kn.y[K] = two_pi();
  // softplus(c) = 1 - m_d
  const real_t shift = math::log(math::exp(1 - kSplineMinSlope) - 1);
  for (int k = 0; k < K; ++k) {
    const real_t z = p[2 * K + k] + shift;
    const real_t softplus = (z > 0 ? z : 0) + math::log1p(math::exp(-math::fabs(z)));
    kn.d[k] = kSplineMinSlope + softplus;
    kn.dd_dr[k] = 1 / (1 + math::exp(-z));
  }
}

// The bin holding v among knots[0..K] (v in [0, 2 pi)).
KOKKOS_INLINE_FUNCTION int find_bin(const real_t* knots, int K, real_t v) {
  int k = 0;
  while (k < K - 1 && v >= knots[k + 1]) ++k;
  return k;
}

}  // namespace circle_map_detail

KOKKOS_INLINE_FUNCTION void spline_evaluate(real_t x, const real_t* p, int K,
                                            CircleMapPartials& out) {
  circle_map_detail::SplineKnots kn;
  circle_map_detail::spline_knots(p, K, kn);
  x = wrap_angle(x);
  const int k = circle_map_detail::find_bin(kn.x, K, x);
  const int k1 = k + 1 == K ? 0 : k + 1;
  const real_t w = kn.x[k + 1] - kn.x[k], h = kn.y[k + 1] - kn.y[k];
  const real_t s = h / w, d0 = kn.d[k], d1 = kn.d[k1];
  // 1 - xi from the upper knot: full relative precision next to it, where f' may be steep
  const real_t xi = (x - kn.x[k]) / w, xi1 = (kn.x[k + 1] - x) / w, q = xi * xi1;
  const real_t num = s * xi * xi + d0 * q;                     // N
  const real_t den = s + (d0 + d1 - 2 * s) * q;                // D
  const real_t m = d1 * xi * xi + 2 * s * q + d0 * xi1 * xi1;  // M: f' = s^2 M / D^2
  out.y = wrap_angle(kn.y[k] + h * num / den + wrap_angle(p[3 * K]));
  out.dy_dx = s * s * m / (den * den);
  out.log_dy_dx = 2 * math::log(s) + math::log(m) - 2 * math::log(den);

  // Partials of y = y_k + h N/D and L = log f' in the local variables xi, s, h, d0, d1 ...
  const real_t den2 = den * den;
  const real_t y_xi = h * s * m / den2;
  const real_t y_s = h * (xi * xi * den - num * (1 - 2 * q)) / den2;
  const real_t y_d0 = h * q * (den - num) / den2, y_d1 = -h * num * q / den2;
  const real_t l_xi = (2 * d1 * xi + 2 * s * (xi1 - xi) - 2 * d0 * xi1) / m -
                      2 * (d0 + d1 - 2 * s) * (xi1 - xi) / den;
  const real_t l_s = 2 / s + 2 * q / m - 2 * (1 - 2 * q) / den;
  const real_t l_d0 = xi1 * xi1 / m - 2 * q / den, l_d1 = xi * xi / m - 2 * q / den;
  // ... then in the knot quantities: xi = (x - x_k)/w, s = h/w.
  out.d_log_dx = l_xi / w;
  const real_t y_xk = -y_xi / w, l_xk = -l_xi / w;
  const real_t y_w = -(xi * y_xi + s * y_s) / w, l_w = -(xi * l_xi + s * l_s) / w;
  const real_t y_h = num / den + y_s / w, l_h = l_s / w;
  // Softmax chain: d x_k/du_i = c (p_i [i < k] - p_i P_k), d w_k/du_i = c p_k (delta_ik - p_i),
  // P_k = sum_{j<k} p_j, c = 2 pi (1 - K m); the same for y_k, h_k and v.
  const real_t scale = two_pi() * (1 - K * kSplineMinBin);
  real_t pw_below = 0, ph_below = 0;
  for (int j = 0; j < k; ++j) {
    pw_below += kn.pw[j];
    ph_below += kn.ph[j];
  }
  for (int i = 0; i < K; ++i) {
    const real_t dxk = scale * kn.pw[i] * ((i < k ? 1 : 0) - pw_below);
    const real_t dw = scale * kn.pw[k] * ((i == k ? 1 : 0) - kn.pw[i]);
    out.dy_dp[i] = y_xk * dxk + y_w * dw;
    out.d_log_dp[i] = l_xk * dxk + l_w * dw;
    const real_t dyk = scale * kn.ph[i] * ((i < k ? 1 : 0) - ph_below);
    const real_t dh = scale * kn.ph[k] * ((i == k ? 1 : 0) - kn.ph[i]);
    out.dy_dp[K + i] = dyk + y_h * dh;
    out.d_log_dp[K + i] = l_h * dh;
    out.dy_dp[2 * K + i] = 0;
    out.d_log_dp[2 * K + i] = 0;
  }
  // d0 and d1 are the same slope when K = 1: accumulate.
  out.dy_dp[2 * K + k] += y_d0 * kn.dd_dr[k];
  out.d_log_dp[2 * K + k] += l_d0 * kn.dd_dr[k];
  out.dy_dp[2 * K + k1] += y_d1 * kn.dd_dr[k1];
  out.d_log_dp[2 * K + k1] += l_d1 * kn.dd_dr[k1];
  out.dy_dp[3 * K] = 1;
  out.d_log_dp[3 * K] = 0;
}

// Exact inverse: the root in [0, 1] of the bin's quadratic a xi^2 + b xi + c (c <= 0 <= a + b + c),
// xi = 2c / (-b - sqrt(b^2 - 4ac)) (Durkan et al. eq. 29) for b >= 0 and the equal
// (-b + sqrt(b^2 - 4ac)) / 2a (then a > 0) for b < 0: each form free of cancellation where it
// is used (Durkan's alone loses digits where f' rises steeply towards the bin's upper knot).
KOKKOS_INLINE_FUNCTION real_t spline_inverse(real_t y, const real_t* p, int K) {
  circle_map_detail::SplineKnots kn;
  circle_map_detail::spline_knots(p, K, kn);
  const real_t z = wrap_angle(y - wrap_angle(p[3 * K]));
  const int k = circle_map_detail::find_bin(kn.y, K, z);
  const int k1 = k + 1 == K ? 0 : k + 1;
  const real_t w = kn.x[k + 1] - kn.x[k], h = kn.y[k + 1] - kn.y[k];
  const real_t s = h / w, d0 = kn.d[k], d1 = kn.d[k1];
  const real_t dy = z - kn.y[k], sum = d0 + d1 - 2 * s;
  const real_t a = h * (s - d0) + dy * sum, b = h * d0 - dy * sum, c = -s * dy;
  const real_t disc = b * b - 4 * a * c;
  const real_t root = math::sqrt(disc > 0 ? disc : 0);
  real_t xi = b >= 0 ? 2 * c / (-b - root) : (-b + root) / (2 * a);
  xi = xi < 0 ? 0 : (xi > 1 ? 1 : xi);
  return wrap_angle(kn.x[k] + xi * w);
}

// ---- one interface for the coupling layer ---------------------------------------------------

enum class CircleMapKind { Ncp, Spline };

KOKKOS_INLINE_FUNCTION int circle_map_param_count(CircleMapKind kind, int K) {
  return kind == CircleMapKind::Ncp ? ncp_param_count(K) : spline_param_count(K);
}

KOKKOS_INLINE_FUNCTION void circle_map_evaluate(CircleMapKind kind, real_t x, const real_t* p,
                                                int K, CircleMapPartials& out) {
  if (kind == CircleMapKind::Ncp) {
    ncp_evaluate(x, p, K, out);
  } else {
    spline_evaluate(x, p, K, out);
  }
}

KOKKOS_INLINE_FUNCTION real_t circle_map_inverse(CircleMapKind kind, real_t y, const real_t* p,
                                                 int K) {
  return kind == CircleMapKind::Ncp ? ncp_inverse(y, p, K) : spline_inverse(y, p, K);
}

// Backward pass of y = f(x; p) with its log f'(x): from dL/dy and dL/d(log f') returns dL/dx
// and writes dL/dp_i, i < n_params.
KOKKOS_INLINE_FUNCTION real_t circle_map_forward_backward(const CircleMapPartials& at_x,
                                                          int n_params, real_t dL_dy,
                                                          real_t dL_dlog, real_t* dL_dp) {
  for (int i = 0; i < n_params; ++i) dL_dp[i] = dL_dy * at_x.dy_dp[i] + dL_dlog * at_x.d_log_dp[i];
  return dL_dy * at_x.dy_dx + dL_dlog * at_x.d_log_dx;
}

// Backward pass of the inverse x = f^{-1}(y; p) together with log f'(x) (the inverse pass's
// log-Jacobian is its negative), with `at_x` the partials at that x. From f(x(y, p), p) = y:
// dx/dy = 1/f', dx/dp_i = -(df/dp_i)/f'. Given dL/dx and dL/d(log f'(x)), returns dL/dy and
// writes dL/dp_i = dL/dlog d log f'/dp_i - dL/dy df/dp_i, i < n_params.
KOKKOS_INLINE_FUNCTION real_t circle_map_inverse_backward(const CircleMapPartials& at_x,
                                                          int n_params, real_t dL_dx,
                                                          real_t dL_dlog, real_t* dL_dp) {
  const real_t dL_dy = (dL_dx + dL_dlog * at_x.d_log_dx) / at_x.dy_dx;
  for (int i = 0; i < n_params; ++i) dL_dp[i] = dL_dlog * at_x.d_log_dp[i] - dL_dy * at_x.dy_dp[i];
  return dL_dy;
}

}  // namespace flowlat
