// Exact 2D compact U(1): Bessel functions against the standard library, the formulas
// against derivatives of ln Z computed independently, their V -> infinity limits, and
// brute-force link integrals on the 1x3 and 1x4 tori.
//
// Reference values (printed by ReferenceValues; Q geometric, V = L^2):
//   L =  8, beta = 2: <cos theta_P> = 0.697774658010838, <Q^2> = 1.23929891072326
//   L = 16, beta = 1: <cos theta_P> = 0.446389965896535, <Q^2> = 10.4028764428985
//   L = 16, beta = 2: <cos theta_P> = 0.697774657964008, <Q^2> = 4.95719568076224
//   L = 16, beta = 3: <cos theta_P> = 0.809985293956505, <Q^2> = 2.83156471975244
//   L = 16, beta = 4: <cos theta_P> = 0.863522611024551, <Q^2> = 1.93387854218482
//   L = 16, beta = 5: <cos theta_P> = 0.893383137044100, <Q^2> = 1.47348665951166
//   L = 16, beta = 6: <cos theta_P> = 0.912359304355078, <Q^2> = 1.19470144824355
//   L = 16, beta = 7: <cos theta_P> = 0.925532210854266, <Q^2> = 1.00641415786398
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

#include "flowlat/theory/u1/u1_exact.hpp"

using namespace flowlat::u1_exact;

namespace {

constexpr double kPi = 3.14159265358979323846;

// Clenshaw-Curtis rule on [a, b] (deliberately not the library's Gauss-Legendre):
// exponentially convergent for analytic integrands.
struct Rule {
  std::vector<double> x, w;
};
Rule clenshaw_curtis(int N, double a, double b) {
  Rule r;
  for (int k = 0; k <= N; ++k) {
    double s = 0;
    for (int j = 1; j <= N / 2; ++j) {
      const double bj = (2 * j == N) ? 1 : 2;
      s += bj / (4.0 * j * j - 1) * std::cos(2.0 * j * k * kPi / N);
    }
    const double ck = (k == 0 || k == N) ? 1 : 2;
    r.x.push_back(a + 0.5 * (b - a) * (1 + std::cos(k * kPi / N)));
    r.w.push_back(0.5 * (b - a) * ck / N * (1 - s));
  }
  return r;
}

double integrate(const Rule& r, const std::function<double(double)>& f) {
  double s = 0;
  for (std::size_t i = 0; i < r.x.size(); ++i) s += r.w[i] * f(r.x[i]);
  return s;
}

// g(nu) e^{-beta} = (1/pi) int_0^pi e^{beta (cos phi - 1)} cos(nu phi) d phi, any real nu.
double character(double nu, double beta) {
  static const Rule rule = clenshaw_curtis(512, 0, kPi);
  return integrate(rule,
                   [&](double phi) {
                     return std::exp(beta * (std::cos(phi) - 1)) * std::cos(nu * phi);
                   }) /
         kPi;
}

// ln Z(theta) - V beta = ln sum_n g(n + theta/2 pi)^V e^{-V beta}, by direct quadrature.
double log_z_theta(double theta, double beta, long long V) {
  const double g0 = character(theta / (2 * kPi), beta);
  double sum = 0;
  for (int n = -60; n <= 60; ++n) sum += std::pow(character(n + theta / (2 * kPi), beta) / g0, V);
  return double(V) * std::log(g0) + std::log(sum);
}

// Central differences of fourth (first derivative) and eighth order (second derivative: a
// step as large as 0.05 keeps the rounding of ln Z, ~V ulp, below 1e-11 after the division).
double first_derivative(const std::function<double(double)>& f, double x, double h) {
  return (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h);
}
double second_derivative(const std::function<double(double)>& f, double x, double h) {
  const double c[] = {-205.0 / 72, 8.0 / 5, -1.0 / 5, 8.0 / 315, -1.0 / 560};
  double s = c[0] * f(x);
  for (int k = 1; k <= 4; ++k) s += c[k] * (f(x - k * h) + f(x + k * h));
  return s / (h * h);
}

double rel(double a, double b) { return std::abs(a - b) / std::abs(b); }

}  // namespace

TEST(U1Exact, BesselMatchesStandardLibrary) {
  for (double beta : {0.01, 0.1, 0.5, 1.0, 2.0, 3.7, 7.0, 12.0, 20.0}) {
    for (int n = 0; n <= 30; ++n) {
      const double ref = std::cyl_bessel_i(double(n), beta);
      EXPECT_LT(rel(bessel_i(n, beta), ref), 1e-13) << "n = " << n << ", beta = " << beta;
      EXPECT_EQ(bessel_i(-n, beta), bessel_i(n, beta));
    }
  }
  EXPECT_EQ(bessel_i(0, 0.0), 1.0);
  EXPECT_EQ(bessel_i(3, 0.0), 0.0);
}

// 1x1 torus: the one plaquette is identically 0, so Z = e^beta, <cos> = 1, Q = 0.
// 1x2 torus: the plaquettes are psi and -psi, so Z = I_0(2 beta), <cos> = I_1(2b)/I_0(2b), Q = 0.
TEST(U1Exact, OneAndTwoPlaquetteTori) {
  for (double beta : {0.0, 0.5, 2.0, 7.0, 12.0}) {
    EXPECT_NEAR(log_partition_function(beta, 1), beta, 1e-14 * (1 + beta)) << beta;
    EXPECT_NEAR(mean_plaquette(beta, 1), 1.0, 1e-14) << beta;
    EXPECT_EQ(mean_q2(beta, 1), 0.0);
    EXPECT_NEAR(log_partition_function(beta, 2), std::log(std::cyl_bessel_i(0.0, 2 * beta)),
                1e-14 * (1 + beta))
        << beta;
    const double plaq2 = std::cyl_bessel_i(1.0, 2 * beta) / std::cyl_bessel_i(0.0, 2 * beta);
    EXPECT_NEAR(mean_plaquette(beta, 2), plaq2, 1e-14) << beta;
    EXPECT_EQ(mean_q2(beta, 2), 0.0);
  }
}

// beta = 0: independent uniform plaquettes under one constraint; wrap(theta)/2 pi is uniform
// on [-1/2, 1/2), variance 1/12, and for V >= 3 the constraint leaves <Q^2> = V/12.
TEST(U1Exact, StrongCouplingLimit) {
  for (long long V : {3LL, 4LL, 64LL, 1000000LL}) {
    EXPECT_EQ(log_partition_function(0, V), 0.0);
    EXPECT_EQ(mean_plaquette(0, V), 0.0);
    EXPECT_NEAR(mean_q2(0, V), V / 12.0, 1e-14 * V);
    EXPECT_EQ(wilson_loop(0, V, 1), 0.0);
  }
  EXPECT_NEAR(topological_susceptibility_infinite_volume(0), 1.0 / 12, 1e-16);
}

TEST(U1Exact, PlaquetteIsTheBetaDerivativeOfLogZ) {
  for (long long V : {3LL, 16LL, 64LL, 256LL, 10000LL}) {
    for (double beta : {0.3, 1.0, 2.0, 5.0, 12.0}) {
      auto log_z = [&](double b) { return log_partition_function(b, V); };
      const double fd = first_derivative(log_z, beta, 1e-3) / double(V);
      EXPECT_LT(rel(mean_plaquette(beta, V), fd), 1e-9) << "V = " << V << ", beta = " << beta;
    }
  }
}

// <Q^2> = -d^2 ln Z(theta)/d theta^2 at 0 with Z(theta) built here from its own quadrature.
// (Points with <Q^2> >= 1e-3: below, the differences resolve <Q^2> to less than 1e-8.)
TEST(U1Exact, Q2IsTheSecondThetaDerivativeOfLogZ) {
  for (long long V : {3LL, 4LL, 16LL, 64LL, 256LL}) {
    for (double beta : {0.5, 1.0, 2.0, 5.0}) {
      if (V <= 4 && beta > 2) continue;
      auto log_z = [&](double theta) { return log_z_theta(theta, beta, V); };
      const double fd = -second_derivative(log_z, 0, 0.05);
      EXPECT_LT(rel(mean_q2(beta, V), fd), 1e-8) << "V = " << V << ", beta = " << beta;
    }
  }
}

// The f_n', f_n'' quadratures: converged at kQuadratureNodes for every |n| the sums may
// reach (against twice the nodes; relative to f_0, the scale at which every term enters
// <Q^2>), and exact at beta = 0: f_n' = (-1)^n / (2 pi n), f_n'' = -(-1)^n / (2 pi^2 n^2).
TEST(U1Exact, ThetaDerivativeQuadratureConverged) {
  for (double beta : {0.0, 1.0, 4.0, 12.0, 20.0}) {
    const double f0 = theta_derivatives(0, beta).f;
    for (int n = -kMaxCharacter; n <= kMaxCharacter; ++n) {
      const ThetaDerivatives a = theta_derivatives(n, beta);
      const ThetaDerivatives b = theta_derivatives(n, beta, 2 * kQuadratureNodes);
      EXPECT_LT(std::abs(a.df - b.df), 1e-13 * f0) << "n = " << n << ", beta = " << beta;
      EXPECT_LT(std::abs(a.d2f - b.d2f), 1e-13 * f0) << "n = " << n << ", beta = " << beta;
      EXPECT_NEAR(a.f, std::exp(-beta) * std::cyl_bessel_i(double(std::abs(n)), beta), 1e-13 * f0);
    }
  }
  for (int n = 1; n <= kMaxCharacter; ++n) {
    const double sign = n % 2 ? -1 : 1;
    const ThetaDerivatives d = theta_derivatives(n, 0.0);
    EXPECT_NEAR(d.df, sign / (2 * kPi * n), 1e-15) << n;
    EXPECT_NEAR(d.d2f, -sign / (2 * kPi * kPi * n * n), 1e-15) << n;
  }
  EXPECT_NEAR(theta_derivatives(0, 0.0).d2f, -1.0 / 12, 1e-16);
}

// At V = 10^6 every n != 0 weight is below e^{-10^4}: the infinite-volume values exactly.
TEST(U1Exact, InfiniteVolumeLimits) {
  const Rule rule = clenshaw_curtis(256, 0, kPi);
  for (double beta : {0.5, 1.0, 2.0, 4.0, 7.0, 12.0}) {
    const double ratio = std::cyl_bessel_i(1.0, beta) / std::cyl_bessel_i(0.0, beta);
    EXPECT_LT(rel(mean_plaquette(beta, 1000000), ratio), 1e-13) << beta;
    auto weight = [&](double phi) { return std::exp(beta * (std::cos(phi) - 1)); };
    const double chi = integrate(rule, [&](double p) { return p * p * weight(p); }) /
                       integrate(rule, weight) / (4 * kPi * kPi);
    EXPECT_LT(rel(topological_susceptibility_infinite_volume(beta), chi), 1e-13) << beta;
    EXPECT_LT(rel(topological_susceptibility(beta, 1000000), chi), 1e-13) << beta;
    // area law: <W> = (I_1/I_0)^A for loops far smaller than the torus
    EXPECT_LT(rel(wilson_loop(beta, 1000000, 10), std::pow(ratio, 10)), 1e-12) << beta;
  }
}

TEST(U1Exact, WilsonLoopLimitsAndSymmetry) {
  for (long long V : {3LL, 16LL, 64LL, 256LL}) {
    for (double beta : {0.5, 2.0, 7.0, 12.0}) {
      EXPECT_LT(rel(wilson_loop(beta, V, 1), mean_plaquette(beta, V)), 1e-14);
      EXPECT_NEAR(wilson_loop(beta, V, 0), 1.0, 1e-15);
      // the loop around all V plaquettes is the trivial loop
      EXPECT_NEAR(wilson_loop(beta, V, V), 1.0, 1e-15);
      // a loop bounds its complement as well
      for (long long A = 1; A < V; A += std::max(1LL, V / 7))
        EXPECT_LT(rel(wilson_loop(beta, V, V - A), wilson_loop(beta, V, A)), 1e-13);
      if (V >= 4) {  // V = 3: area 2 is area 1's complement
        EXPECT_LT(wilson_loop(beta, V, 2), wilson_loop(beta, V, 1));
      }
    }
  }
}

// 1x3 torus, gauge-fixed: plaquettes a0 - a1, a1, -a0 with a0, a1 Haar. Q = +-1 exactly
// where |a0 - a1| > pi (then wrap(a0 - a1) != a0 - a1), else 0. Z and <cos> by the periodic
// trapezoid rule; <Q^2> over the two triangles |a0 - a1| > pi (equal by a -> -a), each mapped
// to a rectangle where the integrand is analytic: a1 in [-pi, 0], a0 = a1 + pi - t a1.
TEST(U1Exact, BruteForceOneByThreeTorus) {
  const Rule r1 = clenshaw_curtis(96, -kPi, 0), rt = clenshaw_curtis(96, 0, 1);
  const int M = 128;
  for (double beta : {0.5, 1.0, 2.0, 4.0}) {
    auto weight = [&](double a0, double a1) {
      return std::exp(beta * (std::cos(a0 - a1) + std::cos(a1) + std::cos(a0) - 3));
    };
    long double z = 0, cos_sum = 0;  // 16k terms: long double keeps the sum's rounding out
    for (int i = 0; i < M; ++i) {
      for (int j = 0; j < M; ++j) {
        const double a0 = 2 * kPi * i / M, a1 = 2 * kPi * j / M, w = weight(a0, a1);
        z += w;
        cos_sum += w * std::cos(a1);
      }
    }
    z /= double(M) * M;  // normalised Haar measure, times e^{-3 beta}
    const double plaq = double(cos_sum / (double(M) * M) / z);
    long double q2 = 0;
    for (std::size_t i = 0; i < r1.x.size(); ++i) {
      for (std::size_t k = 0; k < rt.x.size(); ++k) {
        const double a1 = r1.x[i], a0 = a1 + kPi - rt.x[k] * a1;
        q2 += r1.w[i] * rt.w[k] * (-a1) * weight(a0, a1);
      }
    }
    q2 = 2 * q2 / (4 * kPi * kPi) / z;
    // ln Z to 1e-14 absolute, i.e. Z to 1e-14 relative
    EXPECT_NEAR(log_partition_function(beta, 3), std::log(double(z)) + 3 * beta, 1e-14) << beta;
    EXPECT_LT(rel(mean_plaquette(beta, 3), plaq), 1e-13) << beta;
    // the accuracy mean_q2 promises: <Q^2> = 5.8e-7 at beta = 4 is 40000 times below V chi_t
    const double chi = topological_susceptibility_infinite_volume(beta);
    EXPECT_NEAR(mean_q2(beta, 3), double(q2), 1e-13 * double(q2) + 1e-15 * 3 * chi) << beta;
  }
}

// 1x4 torus: links a0..a3 in the time direction (a3 = 0 by gauge), plaquettes a0 - a1,
// a1 - a2, a2, -a0. Two adjacent plaquettes make the loop cos(a0 - a2): the Polyakov-loop
// correlator at R = 2 with L_t = 1, i.e. A = 2.
TEST(U1Exact, BruteForceOneByFourTorus) {
  const int M = 64;
  for (double beta : {0.5, 2.0, 4.0}) {
    long double z = 0, plaq = 0, loop = 0;
    for (int i = 0; i < M; ++i) {
      for (int j = 0; j < M; ++j) {
        for (int k = 0; k < M; ++k) {
          const double a0 = 2 * kPi * i / M, a1 = 2 * kPi * j / M, a2 = 2 * kPi * k / M;
          const double w = std::exp(
              beta * (std::cos(a0 - a1) + std::cos(a1 - a2) + std::cos(a2) + std::cos(a0) - 4));
          z += w;
          plaq += w * std::cos(a1 - a2);
          loop += w * std::cos(a0 - a2);
        }
      }
    }
    EXPECT_NEAR(log_partition_function(beta, 4),
                std::log(double(z / (double(M) * M * M))) + 4 * beta, 1e-14)
        << beta;
    EXPECT_LT(rel(mean_plaquette(beta, 4), double(plaq / z)), 1e-13) << beta;
    EXPECT_LT(rel(wilson_loop(beta, 4, 2), double(loop / z)), 1e-13) << beta;
  }
}

// The values in the comment at the top; also pins them against regressions.
TEST(U1Exact, ReferenceValues) {
  struct Point {
    int L;
    double beta, plaq, q2;
  };
  const Point points[] = {
      {8, 2, 0.697774658010838, 1.23929891072326},  {16, 1, 0.446389965896535, 10.4028764428985},
      {16, 2, 0.697774657964008, 4.95719568076224}, {16, 3, 0.809985293956505, 2.83156471975244},
      {16, 4, 0.863522611024551, 1.93387854218482}, {16, 5, 0.893383137044100, 1.47348665951166},
      {16, 6, 0.912359304355078, 1.19470144824355}, {16, 7, 0.925532210854266, 1.00641415786398}};
  for (const Point& p : points) {
    const long long V = 1LL * p.L * p.L;
    const double plaq = mean_plaquette(p.beta, V), q2 = mean_q2(p.beta, V);
    std::printf("  L = %2d, beta = %g: <cos theta_P> = %.15f, <Q^2> = %.15g, chi_t = %.10g\n", p.L,
                p.beta, plaq, q2, q2 / V);
    EXPECT_NEAR(plaq, p.plaq, 1e-14);
    EXPECT_LT(rel(q2, p.q2), 1e-13);
  }
}
