// Circle maps (NCP mixture, circular rational-quadratic spline): every partial against
// finite differences, strictly increasing degree-1 bijections glued at 0 = 2 pi, the inverse
// to 1e-12, the identity at zero parameters, the backward helpers against finite
// differences, and the same numbers from a Kokkos kernel.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "flowlat/flow/circle_map.hpp"

using namespace flowlat;

namespace {

constexpr double kTwoPi = 2 * 3.14159265358979323846;

// a - b as angles, in [-pi, pi].
double circ_diff(double a, double b) { return std::remainder(a - b, kTwoPi); }

struct Case {
  CircleMapKind kind;
  int K;
  std::vector<double> p;
  std::string label;
};

const char* kind_name(CircleMapKind k) { return k == CircleMapKind::Ncp ? "ncp" : "spline"; }

// Raw parameters: all zero (the identity), moderate (normal, sigma 1) and extreme: NCP
// s_k uniform in [-6, 6] (alpha from 0.0025 to 400), spline raw widths, heights and slopes in
// [-4, 4] (bins down to 0.1 % of the circle, knot slopes from 0.03 to 4.5); the rotation
// uniform in [-20, 20] (unbounded, as a network's output). The extremes are as far as finite
// differences in double resolve every partial to 1e-6.
std::vector<Case> make_cases(unsigned seed, int per_kind_and_k) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> unit(-1, 1);
  std::vector<Case> cases;
  for (CircleMapKind kind : {CircleMapKind::Ncp, CircleMapKind::Spline}) {
    for (int K : {1, 2, 3, 6, kMaxCircleComponents}) {
      const int n = circle_map_param_count(kind, K);
      cases.push_back({kind, K, std::vector<double>(n, 0.0), "zero"});
      for (int r = 0; r < per_kind_and_k; ++r) {
        Case moderate{kind, K, std::vector<double>(n), "moderate"};
        Case extreme{kind, K, std::vector<double>(n), "extreme"};
        for (int i = 0; i < n; ++i) {
          moderate.p[i] = normal(gen);
          extreme.p[i] = (kind == CircleMapKind::Ncp ? 6 : 4) * unit(gen);
        }
        extreme.p[n - 1] = 20 * unit(gen);
        cases.push_back(moderate);
        cases.push_back(extreme);
      }
    }
  }
  return cases;
}

std::string exact(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string describe(const Case& c) {
  std::string s =
      std::string(kind_name(c.kind)) + " K=" + std::to_string(c.K) + " " + c.label + " p=(";
  for (double v : c.p) s += exact(v) + " ";  // all digits, to reproduce a failure
  return s + ")";
}

CircleMapPartials evaluate(const Case& c, double x, const std::vector<double>& p) {
  CircleMapPartials out;
  circle_map_evaluate(c.kind, x, p.data(), c.K, out);
  return out;
}

double inverse(const Case& c, double y, const std::vector<double>& p) {
  return circle_map_inverse(c.kind, y, p.data(), c.K);
}

// Points: 0, just above 0, just below 2 pi, pi, and uniform ones.
std::vector<double> make_points(std::mt19937_64& gen, int n_random) {
  std::vector<double> xs = {
      0, 1e-12, 1e-7, kTwoPi - 1e-7, kTwoPi - 1e-12, std::nextafter(kTwoPi, 0), kTwoPi / 2};
  std::uniform_real_distribution<double> u(0, kTwoPi);
  for (int i = 0; i < n_random; ++i) xs.push_back(u(gen));
  return xs;
}

// The spline's knots (f is C^1 there, its second derivative jumps); none for the NCP map.
std::vector<double> knots(const Case& c, const std::vector<double>& p) {
  if (c.kind == CircleMapKind::Ncp) return {};
  circle_map_detail::SplineKnots kn;
  circle_map_detail::spline_knots(p.data(), c.K, kn);
  return std::vector<double>(kn.x, kn.x + c.K + 1);
}

// The smallest bin width or height of the spline (2 pi for the NCP map).
double smallest_bin(const Case& c) {
  if (c.kind == CircleMapKind::Ncp) return kTwoPi;
  circle_map_detail::SplineKnots kn;
  circle_map_detail::spline_knots(c.p.data(), c.K, kn);
  double b = kTwoPi;
  for (int k = 0; k < c.K; ++k) b = std::min({b, kn.x[k + 1] - kn.x[k], kn.y[k + 1] - kn.y[k]});
  return b;
}

// Ridders' extrapolation of a central difference quotient D(h) (error a series in h^2) over the
// steps h0 / 1.4^i, i < 8 (h0/10 at the smallest, so rounding stays far below the truncation
// errors the tableau removes): the entry with the smallest error estimate.
double extrapolate(const std::function<double(double)>& D, double h0) {
  const int n = 8;
  const double con = 1.4, factor = con * con;
  double a[n][n], h = h0, best = D(h0), err = 1e300;
  a[0][0] = best;
  for (int i = 1; i < n; ++i) {
    h /= con;
    a[0][i] = D(h);
    double f = factor;
    for (int j = 1; j <= i; ++j, f *= factor) {
      a[j][i] = (a[j - 1][i] * f - a[j - 1][i - 1]) / (f - 1);
      const double e =
          std::max(std::abs(a[j][i] - a[j - 1][i]), std::abs(a[j][i] - a[j - 1][i - 1]));
      if (e <= err) {
        err = e;
        best = a[j][i];
      }
    }
  }
  return best;
}

// |fd - analytic| <= 1e-6 max(|analytic|, floor).
void expect_close(double analytic, double fd, double floor, const std::string& what) {
  EXPECT_LE(std::abs(fd - analytic), 1e-6 * std::max(std::abs(analytic), floor))
      << what << ": analytic " << analytic << ", finite difference " << fd;
}

// y, log f' and inverse(y) at x_i = 2 pi i / n, computed in a kernel. A free function: nvcc
// rejects a KOKKOS_LAMBDA in a TEST body (a private member function). LayoutRight
// on both sides: a CUDA View's default layout is LayoutLeft, HostSpace's LayoutRight.
Kokkos::View<double* [3], Kokkos::LayoutRight, HostSpace> run_in_kernel(
    CircleMapKind kind, int K, Kokkos::View<double*, HostSpace> p_host, int n) {
  auto p = Kokkos::create_mirror_view_and_copy(MemSpace(), p_host);
  Kokkos::View<double* [3], Kokkos::LayoutRight, MemSpace> out("out", n);
  Kokkos::parallel_for(
      "circle_map_kernel", Kokkos::RangePolicy<ExecSpace>(0, n), KOKKOS_LAMBDA(const int i) {
        CircleMapPartials d;
        const double x = 2 * math::pi * i / n;
        circle_map_evaluate(kind, x, p.data(), K, d);
        out(i, 0) = d.y;
        out(i, 1) = d.log_dy_dx;
        out(i, 2) = circle_map_inverse(kind, d.y, p.data(), K);
      });
  return Kokkos::create_mirror_view_and_copy(HostSpace(), out);
}

}  // namespace

TEST(CircleMaps, ParameterCounts) {
  EXPECT_EQ(ncp_param_count(2), 3);  // the tutorial: 2 components + the rotation
  EXPECT_EQ(spline_param_count(8), 25);
  EXPECT_EQ(circle_map_param_count(CircleMapKind::Spline, kMaxCircleComponents), kMaxCircleParams);
  EXPECT_LE(circle_map_param_count(CircleMapKind::Ncp, kMaxCircleComponents), kMaxCircleParams);
}

// All-zero raw parameters: alpha_k = 1 and no rotation; equal bins with unit knot slopes.
TEST(CircleMaps, ZeroParametersAreTheIdentity) {
  std::mt19937_64 gen(3);
  for (const Case& c : make_cases(1, 0)) {
    for (double x : make_points(gen, 50)) {
      const CircleMapPartials d = evaluate(c, x, c.p);
      EXPECT_LE(std::abs(circ_diff(d.y, x)), 1e-14) << describe(c) << " x = " << x;
      EXPECT_NEAR(d.dy_dx, 1.0, 1e-14) << describe(c) << " x = " << x;
      EXPECT_NEAR(d.log_dy_dx, 0.0, 1e-14) << describe(c) << " x = " << x;
      EXPECT_NEAR(d.d_log_dx, 0.0, 1e-12) << describe(c) << " x = " << x;
      EXPECT_LE(std::abs(circ_diff(inverse(c, x, c.p), x)), 1e-14) << describe(c) << " x = " << x;
    }
  }
}

// d y/dx and d log f'/dx by finite differences, with the rotation removed (they do not depend
// on it, and y stays small next to x = 0, where it would otherwise round like an O(1) angle).
// Central differences with steps below the distance to the nearest knot of the spline (f''
// jumps there); within 1e-4 of it the one-sided fourth-order stencil into x's own bin, which
// needs x above the knot (callers reflect the map otherwise: just below a knot y rounds like
// y_k, ulp ~1e-15, too coarse for the steps a steep bin needs).
struct XDerivatives {
  double dy_dx, d_log_dx;
};
XDerivatives x_derivatives_fd(const Case& c, double x) {
  std::vector<double> p0 = c.p;
  p0.back() = 0;
  const CircleMapPartials d0 = evaluate(c, x, p0);
  const double ell = 1 / (1 + std::abs(d0.d_log_dx) + d0.dy_dx);  // scale of f''s changes
  double dist = kTwoPi, bin_width = kTwoPi;
  const std::vector<double> kn = knots(c, p0);
  for (std::size_t k = 0; k < kn.size(); ++k) {
    dist = std::min(dist, std::abs(x - kn[k]));
    if (k + 1 < kn.size() && x >= kn[k] && x < kn[k + 1]) bin_width = kn[k + 1] - kn[k];
  }
  auto y_at = [&](double xx) { return evaluate(c, xx, p0).y; };
  auto log_at = [&](double xx) { return evaluate(c, xx, p0).log_dy_dx; };
  if (dist >= 1e-4) {
    const double h0 = std::min(0.1 * ell, 0.4 * dist);
    return {
        extrapolate([&](double h) { return circ_diff(y_at(x + h), y_at(x - h)) / (2 * h); }, h0),
        extrapolate([&](double h) { return (log_at(x + h) - log_at(x - h)) / (2 * h); }, h0)};
  }
  const double h = 3e-3 * std::min(ell, bin_width / 4);
  auto stencil = [&](const std::function<double(double)>& f) {
    return (48 * f(1) - 36 * f(2) + 16 * f(3) - 3 * f(4)) / (12 * h);
  };
  return {stencil([&](double j) { return circ_diff(y_at(x + j * h), d0.y); }),
          stencil([&](double j) { return log_at(x + j * h) - d0.log_dy_dx; })};
}

// The map reflected through 0 (x -> 2 pi - x, y -> 2 pi - y): the same kind with reversed
// widths and heights, knot slopes d'_j = d_{K-j}, the NCP's alpha_k kept, the rotation negated.
Case mirror(const Case& c) {
  Case m = c;
  if (c.kind == CircleMapKind::Spline) {
    const int K = c.K;
    for (int j = 0; j < K; ++j) {
      m.p[j] = c.p[K - 1 - j];
      m.p[K + j] = c.p[2 * K - 1 - j];
      m.p[2 * K + j] = c.p[2 * K + (K - j) % K];
    }
  }
  m.p.back() = -c.p.back();
  m.label = c.label + " mirrored";
  return m;
}

// Every partial against finite differences. Floors: an angle is known to ~1e-15 absolute, so
// slopes and d y/d p below 1e-3 are checked to 1e-9 absolute; d log f'/dx is measured in units
// of the local scale ell on which f' changes.
TEST(CircleMaps, PartialsMatchFiniteDifferences) {
  std::mt19937_64 gen(11);
  for (const Case& c : make_cases(7, 6)) {
    const std::vector<double> kn = knots(c, c.p);
    for (double x : make_points(gen, 12)) {
      const CircleMapPartials d = evaluate(c, x, c.p);
      const std::string at = describe(c) + " x = " + exact(x);
      EXPECT_GE(d.y, 0.0);
      EXPECT_LT(d.y, kTwoPi);
      EXPECT_NEAR(d.dy_dx, std::exp(d.log_dy_dx), 1e-14 * d.dy_dx) << at;
      // Just below a knot of the spline, the mirrored map just above its knot (the reflection
      // is checked exactly by ReflectionSymmetry).
      double below_knot = kTwoPi;
      for (double k : kn) below_knot = k > x ? std::min(below_knot, k - x) : below_knot;
      const bool reflect = c.kind == CircleMapKind::Spline && below_knot < 1e-4;
      XDerivatives fd = reflect ? x_derivatives_fd(mirror(c), kTwoPi - x) : x_derivatives_fd(c, x);
      if (reflect) fd.d_log_dx = -fd.d_log_dx;
      const double ell = 1 / (1 + std::abs(d.d_log_dx) + d.dy_dx);
      expect_close(d.dy_dx, fd.dy_dx, 1e-3, at + " dy_dx");
      // log f' against the numerical derivative of y
      EXPECT_NEAR(d.log_dy_dx, std::log(fd.dy_dx), 1e-6 * std::max(1.0, 1e-3 / d.dy_dx)) << at;
      expect_close(d.d_log_dx, fd.d_log_dx, 1e-3 / ell, at + " d_log_dx");

      // Parameters. Raw widths move the interior knots (|d x_k / d u| < pi/2): their step keeps
      // every knot on its side of x, and within 1e-4 of one (or on one: the partials are then
      // those of the bin above, one-sided) they are not checked.
      double dist_interior = kTwoPi;
      for (std::size_t k = 1; k + 1 < kn.size(); ++k)
        dist_interior = std::min(dist_interior, std::abs(x - kn[k]));
      for (std::size_t i = 0; i < c.p.size(); ++i) {
        const bool moves_knots = c.kind == CircleMapKind::Spline && int(i) < c.K;
        if (moves_knots && dist_interior < 1e-4) continue;
        const double hp = moves_knots ? std::min(0.1, 0.3 * dist_interior) : 0.1;
        std::vector<double> pp = c.p, pm = c.p;
        auto shifted = [&](double h, bool log_part) {
          pp[i] = c.p[i] + h;
          pm[i] = c.p[i] - h;
          const CircleMapPartials a = evaluate(c, x, pp), b = evaluate(c, x, pm);
          return (log_part ? a.log_dy_dx - b.log_dy_dx : circ_diff(a.y, b.y)) / (2 * h);
        };
        const std::string which = at + " p[" + std::to_string(i) + "]";
        expect_close(d.dy_dp[i], extrapolate([&](double h) { return shifted(h, false); }, hp), 1e-3,
                     which + " dy_dp");
        expect_close(d.d_log_dp[i], extrapolate([&](double h) { return shifted(h, true); }, hp),
                     1e-3, which + " d_log_dp");
      }
    }
  }
}

// Reflection: f(2 pi - x; p') = 2 pi - f(x; p) with p' = mirror(p), so f' agrees and
// d log f'/dx changes sign. (Away from knots: at a knot each side evaluates its upper bin.)
TEST(CircleMaps, ReflectionSymmetry) {
  std::mt19937_64 gen(29);
  for (const Case& c : make_cases(31, 6)) {
    const Case m = mirror(c);
    const std::vector<double> kn = knots(c, c.p);
    for (double x : make_points(gen, 40)) {
      double dist = kTwoPi;
      for (double k : kn) dist = std::min(dist, std::abs(x - k));
      if (c.kind == CircleMapKind::Spline && dist < 1e-9) continue;
      const CircleMapPartials d = evaluate(c, x, c.p), r = evaluate(m, kTwoPi - x, m.p);
      const std::string at = describe(c) + " x = " + exact(x);
      // Knots summed from the other end differ by rounding: a few ulp of 2 pi in x and in the
      // bin widths and heights, so relative dx / (smallest bin) in the slopes.
      const double dx = 8 * (kTwoPi - std::nextafter(kTwoPi, 0));
      EXPECT_LE(std::abs(circ_diff(d.y, -r.y)), 1e-14 + dx * d.dy_dx) << at;
      EXPECT_LE(std::abs(d.log_dy_dx - r.log_dy_dx),
                1e-13 + dx * std::abs(d.d_log_dx) + 4 * dx / smallest_bin(c))
          << at;
      EXPECT_LE(std::abs(d.d_log_dx + r.d_log_dx), 1e-9 * (1 + std::abs(d.d_log_dx))) << at;
    }
  }
}

// Strictly increasing on a fine grid, one turn in total (degree 1), and y, f', log f' continuous
// across 0 = 2 pi.
TEST(CircleMaps, MonotoneDegreeOneBijection) {
  const int n = 20000;
  for (const Case& c : make_cases(5, 4)) {
    const std::string at = describe(c);
    double turn = 0, y_prev = evaluate(c, 0, c.p).y;
    for (int i = 1; i <= n; ++i) {
      const double x = i < n ? kTwoPi * i / n : 0;  // the last step closes the loop
      const CircleMapPartials d = evaluate(c, x, c.p);
      const double step = circ_diff(d.y, y_prev);
      ASSERT_GT(step, 0) << at << " x = " << x;
      ASSERT_GT(d.dy_dx, 0) << at << " x = " << x;
      turn += step;
      y_prev = d.y;
    }
    EXPECT_NEAR(turn, kTwoPi, 1e-12) << at;
    const CircleMapPartials at0 = evaluate(c, 0, c.p);
    const CircleMapPartials below = evaluate(c, std::nextafter(kTwoPi, 0), c.p);
    // one ulp of 2 pi apart: y and log f' may differ by their slopes times a few ulp, and y
    // next to 2 pi rounds to its ulp
    const double ulp = kTwoPi - std::nextafter(kTwoPi, 0), gap = 4 * ulp;
    EXPECT_LE(std::abs(circ_diff(below.y, at0.y)), 4 * ulp + gap * at0.dy_dx) << at;
    EXPECT_LE(std::abs(below.log_dy_dx - at0.log_dy_dx),
              1e-14 + gap * std::max(std::abs(at0.d_log_dx), std::abs(below.d_log_dx)))
        << at;
    if (c.kind == CircleMapKind::Ncp) {  // smooth; the spline's f'' jumps at its knot 0 = 2 pi
      EXPECT_NEAR(below.d_log_dx, at0.d_log_dx, 1e-9 * (1 + std::abs(at0.d_log_dx))) << at;
    }
  }
}

// inverse(forward(x)) = x to 1e-12 (as angles) everywhere, the wrap point and the knots
// included, except where the map is so flat that rounding y = f(x) to a double already moves
// its exact preimage further: by up to ulp(2 pi) / f'(x) (f' < 0.0036; the extreme splines
// reach f' = 3e-4). And forward(inverse(y)) = y.
TEST(CircleMaps, InverseUndoesForward) {
  std::mt19937_64 gen(17);
  const double ulp = kTwoPi - std::nextafter(kTwoPi, 0);
  double worst = 0;
  for (const Case& c : make_cases(13, 10)) {
    std::vector<double> xs = make_points(gen, 200);
    for (double k : knots(c, c.p)) {
      xs.push_back(k);
      xs.push_back(std::nextafter(k, 0.0));
    }
    for (double x : xs) {
      const CircleMapPartials d = evaluate(c, x, c.p);
      const double back = inverse(c, d.y, c.p);
      EXPECT_GE(back, 0.0);
      EXPECT_LT(back, kTwoPi);
      const double err = std::abs(circ_diff(back, x)), bound = 1e-12 + 4 * ulp / d.dy_dx;
      worst = std::max(worst, err / bound);
      EXPECT_LE(err, bound) << describe(c) << " x = " << x << " slope " << d.dy_dx;
      const double y = x;  // the same points as values of y
      // backward error: that of a few ulp in x, where the map is steep
      const CircleMapPartials e = evaluate(c, inverse(c, y, c.p), c.p);
      EXPECT_LE(std::abs(circ_diff(e.y, y)), 1e-14 * (1 + e.dy_dx)) << describe(c) << " y = " << y;
    }
  }
  std::printf("  worst |inverse(forward(x)) - x| / bound = %.2g\n", worst);
}

// Two cases random sampling found: plain Newton cycles between two points on this 16-component
// mixture, and Durkan's root formula alone loses ~50 ulp of x in this spline's bin, where f'
// rises from 0.04 to 3.8 towards the upper knot.
TEST(CircleMaps, InverseHardCases) {
  const Case cycling{
      CircleMapKind::Ncp,
      16,
      {0.71401594827132886, 1.2688762930559676, -2.4052455342246151, 1.2743310293101096,
       -0.98753699757603997, -1.2316441621870162, -1.0470359819868167, 4.5661068711874915,
       -0.60558183695883416, -2.4586616510043191, 5.3856408403033829, -2.550575051754187,
       -0.0057341970875524062, 5.8610172345957103, 1.4163684283488731, -5.5611540880482764,
       2.187667396594839},
      "newton cycle"};
  const Case steep_bin{
      CircleMapKind::Spline,
      2,
      {-2.4716443736181688, 1.3860241423524249, 2.8257445275199693, -0.80815931146185926,
       3.2224815673558247, -3.7400698275753368, -7.6452200282143679},
      "steep bin"};
  for (const auto& [c, y] :
       {std::pair{cycling, 5.4056676411802851}, std::pair{steep_bin, 4.8979571255923631}}) {
    const CircleMapPartials e = evaluate(c, inverse(c, y, c.p), c.p);
    EXPECT_LE(std::abs(circ_diff(e.y, y)), 1e-14 * (1 + e.dy_dx)) << describe(c);
  }
}

// The backward helpers against finite differences of L = a y + b log f'(x) through the forward
// map, and of L = a x(y) + b log f'(x(y)) through the inverse.
TEST(CircleMaps, BackwardHelpersMatchFiniteDifferences) {
  std::mt19937_64 gen(23);
  std::uniform_real_distribution<double> coef(-2, 2), unit(0, 1);
  for (const Case& c : make_cases(19, 3)) {
    const int n = int(c.p.size());
    const double a = coef(gen), b = coef(gen);
    for (int trial = 0; trial < 6; ++trial) {
      // a point of the circle away from knots, so that every difference stays smooth
      double x = kTwoPi * unit(gen), dist = 1;
      const std::vector<double> kn = knots(c, c.p);
      for (double k : kn) dist = std::min(dist, std::abs(x - k));
      if (dist < 1e-2) continue;
      const CircleMapPartials d = evaluate(c, x, c.p);
      const std::string at = describe(c) + " x = " + exact(x);
      const double h0 = std::min(0.1 / (1 + std::abs(d.d_log_dx) + d.dy_dx), 0.3 * dist);
      const double hp = std::min(0.1, 0.3 * dist);  // moves no knot across x

      std::vector<double> dL_dp(n);
      const double dL_dx = circle_map_forward_backward(d, n, a, b, dL_dp.data());
      auto forward_loss = [&](double xx, const std::vector<double>& p, double y_ref) {
        const CircleMapPartials e = evaluate(c, xx, p);
        return a * circ_diff(e.y, y_ref) + b * e.log_dy_dx;
      };
      expect_close(dL_dx,
                   extrapolate(
                       [&](double h) {
                         return (forward_loss(x + h, c.p, d.y) - forward_loss(x - h, c.p, d.y)) /
                                (2 * h);
                       },
                       h0),
                   1e-3, at + " forward dL/dx");

      const double y = d.y;
      std::vector<double> dLi_dp(n);
      const double dL_dy = circle_map_inverse_backward(d, n, a, b, dLi_dp.data());
      auto inverse_loss = [&](double yy, const std::vector<double>& p) {
        const double xi = inverse(c, yy, p);
        return a * circ_diff(xi, x) + b * evaluate(c, xi, p).log_dy_dx;
      };
      expect_close(
          dL_dy,
          extrapolate(
              [&](double h) {
                return (inverse_loss(y + h * d.dy_dx, c.p) - inverse_loss(y - h * d.dy_dx, c.p)) /
                       (2 * h * d.dy_dx);
              },
              h0),
          1e-3, at + " inverse dL/dy");
      for (int i = 0; i < n; ++i) {
        auto with = [&](double h) {
          std::vector<double> p = c.p;
          p[i] += h;
          return p;
        };
        const std::string which = at + " p[" + std::to_string(i) + "]";
        expect_close(dL_dp[i],
                     extrapolate(
                         [&](double h) {
                           return (forward_loss(x, with(h), d.y) - forward_loss(x, with(-h), d.y)) /
                                  (2 * h);
                         },
                         hp),
                     1e-3, which + " forward dL/dp");
        expect_close(dLi_dp[i],
                     extrapolate(
                         [&](double h) {
                           return (inverse_loss(y, with(h)) - inverse_loss(y, with(-h))) / (2 * h);
                         },
                         // x(y) moves by dy/dp_i h / f': no further than the x-steps above
                         std::min(hp, h0 * d.dy_dx / std::abs(d.dy_dp[i]))),
                     1e-3, which + " inverse dL/dp");
      }
    }
  }
}

// The same functions inside a Kokkos kernel (device code) give the host's numbers.
TEST(CircleMaps, KernelMatchesHost) {
  const int K = 3, n = 257;
  for (CircleMapKind kind : {CircleMapKind::Ncp, CircleMapKind::Spline}) {
    const int np = circle_map_param_count(kind, K);
    Kokkos::View<double*, HostSpace> p_host("p", np);
    for (int i = 0; i < np; ++i) p_host(i) = 0.3 * std::sin(1.7 * i + 0.4);
    const auto host = run_in_kernel(kind, K, p_host, n);
    for (int i = 0; i < n; ++i) {
      CircleMapPartials d;
      const double x = 2 * math::pi * i / n;
      circle_map_evaluate(kind, x, p_host.data(), K, d);
      EXPECT_NEAR(host(i, 0), d.y, 1e-14);
      EXPECT_NEAR(host(i, 1), d.log_dy_dx, 1e-14);
      EXPECT_LE(std::abs(circ_diff(host(i, 2), x)), 1e-12);
    }
  }
}
