// Agreement of two Monte Carlo estimates of several observables at once: a
// chi^2 of the difference of the means with their full covariance (each
// sampler's covariance from the Gamma method, so autocorrelations count),
// and a precision floor so that a real bias cannot hide in large errors.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "flowlat/analysis/gamma_method.hpp"

namespace flowlat::testing_support {

// name -> [replica][measurement]
using SeriesSet = std::map<std::string, std::vector<std::vector<double>>>;

// Covariance of the means of observables a and b from the Gamma-method
// errors of a, b and a + b: err^2(a+b) = err^2(a) + err^2(b) + 2 cov(a, b).
inline double covariance_of_means(const std::vector<std::vector<double>>& a,
                                  const std::vector<std::vector<double>>& b) {
  std::vector<std::vector<double>> sum = a;
  for (std::size_t r = 0; r < a.size(); ++r)
    for (std::size_t i = 0; i < a[r].size(); ++i) sum[r][i] += b[r][i];
  const double ea = gamma_method(a).error, eb = gamma_method(b).error,
               es = gamma_method(sum).error;
  return 0.5 * (es * es - ea * ea - eb * eb);
}

// chi^2 survival function for an even number of degrees of freedom 2m:
// Q = exp(-x/2) sum_{j<m} (x/2)^j / j!.
inline double chi2_p_value(double x, int dof) {
  double term = 1, sum = 0;
  for (int j = 0; j < dof / 2; ++j) {
    sum += term;
    term *= 0.5 * x / double(j + 1);
  }
  return std::exp(-0.5 * x) * sum;
}

// The relative precision each observable must reach: 1 %, except chi_2 =
// M^2/V, a second moment whose per-configuration relative spread is ~1.3 at
// the tutorial point (twice |M|'s), so 1 % would need 4x the statistics: 2 %.
inline double precision_floor(const std::string& name) { return name == "chi2" ? 0.02 : 0.01; }

// Compares samplers A and B on `names` (an even count: the p-value formula),
// each observable scaled by `scale[name]` (|M| -> |M|/V). Fails if the
// chi^2 has p < 0.001 or if any combined error exceeds precision_floor().
inline void expect_agreement(const char* a_label, const SeriesSet& a, const char* b_label,
                             const SeriesSet& b, const std::vector<std::string>& names,
                             const std::map<std::string, double>& scale) {
  const std::size_t n = names.size();
  std::vector<double> d(n);
  std::vector<std::vector<double>> C(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i) {
    const auto ra = gamma_method(a.at(names[i])), rb = gamma_method(b.at(names[i]));
    const double s = scale.count(names[i]) ? scale.at(names[i]) : 1.0;
    d[i] = ra.mean - rb.mean;
    const double sigma = std::hypot(ra.error, rb.error);
    std::printf("  %-6s %s %.5f +- %.5f (tau %.1f)   %s %.5f +- %.5f (tau %.1f)   %+.2f sigma\n",
                names[i].c_str(), a_label, ra.mean * s, ra.error * s, ra.tau_int, b_label,
                rb.mean * s, rb.error * s, rb.tau_int, d[i] / sigma);
    EXPECT_LT(sigma, precision_floor(names[i]) * std::abs(rb.mean))
        << names[i] << ": not enough statistics";
    for (std::size_t j = 0; j <= i; ++j) {
      C[i][j] = covariance_of_means(a.at(names[i]), a.at(names[j])) +
                covariance_of_means(b.at(names[i]), b.at(names[j]));
      C[j][i] = C[i][j];
    }
  }
  // chi^2 = d^T C^-1 d by Cholesky (C must be positive definite)
  std::vector<std::vector<double>> L(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      double s = C[i][j];
      for (std::size_t k = 0; k < j; ++k) s -= L[i][k] * L[j][k];
      if (i == j) {
        ASSERT_GT(s, 0.0) << "covariance of the means is not positive definite";
        L[i][i] = std::sqrt(s);
      } else {
        L[i][j] = s / L[j][j];
      }
    }
  std::vector<double> y(n);
  double chi2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double s = d[i];
    for (std::size_t k = 0; k < i; ++k) s -= L[i][k] * y[k];
    y[i] = s / L[i][i];
    chi2 += y[i] * y[i];
  }
  const double p = chi2_p_value(chi2, int(n));
  std::printf("  chi^2 = %.2f for %zu observables (p = %.3g)\n", chi2, n, p);
  EXPECT_GT(p, 1e-3) << a_label << " and " << b_label << " disagree";
}

}  // namespace flowlat::testing_support
