// The U(1) validation point (the tutorial's: L = 8, beta = 2) and the check
// every U(1) sampler must pass there: <cos theta_P> and <Q^2> within 4
// Gamma-method standard errors of the exact torus values, with relative
// errors of at most 0.2 % and 2 %.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "flowlat/analysis/gamma_method.hpp"
#include "flowlat/theory/u1/u1_exact.hpp"

namespace flowlat::testing_support {

inline constexpr int kU1L = 8;
inline constexpr double kU1Beta = 2.0;
inline constexpr double kPlaquettePrecision = 0.002, kQ2Precision = 0.02;

inline void expect_u1_exact(const char* sampler, const std::string& what, const GammaResult& r,
                            double exact, double max_relative_error) {
  std::printf("  %-10s %-9s %.6f +- %.6f (tau_int %.2f, N %lld)  exact %.6f  (%+.2f sigma)\n",
              sampler, what.c_str(), r.mean, r.error, r.tau_int, (long long)r.n, exact,
              (r.mean - exact) / r.error);
  EXPECT_GT(r.error, 0.0) << sampler << " " << what;
  EXPECT_LT(std::abs(r.mean - exact), 4 * r.error) << sampler << " " << what;
  EXPECT_LT(r.error, max_relative_error * std::abs(exact))
      << sampler << " " << what << ": not enough statistics";
}

// Both checks on series with Gamma-method results `plaquette` and `q2`.
inline void expect_u1_exact_point(const char* sampler, const GammaResult& plaquette,
                                  const GammaResult& q2) {
  const long long V = kU1L * kU1L;
  expect_u1_exact(sampler, "plaquette", plaquette, u1_exact::mean_plaquette(kU1Beta, V),
                  kPlaquettePrecision);
  expect_u1_exact(sampler, "Q2", q2, u1_exact::mean_q2(kU1Beta, V), kQ2Precision);
}

}  // namespace flowlat::testing_support
