// Agreement of two Monte Carlo estimates of several observables at once: a
// chi^2 of the difference of the means with their full covariance (each
// sampler's from bins much longer than its tau_int, so autocorrelations
// count), and a precision floor (Gamma-method errors) so that a real bias
// cannot hide in large errors.
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

// Covariance matrix of the means of `names` from bins of one common size in
// every replica: the smallest power of two >= 20 tau_max (bins much longer
// than the autocorrelation), but at least 64 bins in all. A sample
// covariance of bin means is positive semi-definite by construction, which
// a combination of separately windowed Gamma-method errors is not.
inline std::vector<std::vector<double>> binned_covariance(const SeriesSet& s,
                                                          const std::vector<std::string>& names,
                                                          double tau_max) {
  const auto& first = s.at(names[0]);
  const std::size_t per_chain = first[0].size(), chains = first.size();
  std::size_t bin = 1;
  while (bin < 20 * tau_max && chains * (per_chain / (2 * bin)) >= 64) bin *= 2;
  const std::size_t bins = per_chain / bin, total = chains * bins;
  std::vector<std::vector<double>> means(names.size(), std::vector<double>(total));
  std::vector<double> grand(names.size(), 0.0);
  for (std::size_t o = 0; o < names.size(); ++o) {
    const auto& series = s.at(names[o]);
    for (std::size_t c = 0; c < chains; ++c)
      for (std::size_t k = 0; k < bins; ++k) {
        double sum = 0;
        for (std::size_t i = 0; i < bin; ++i) sum += series[c][k * bin + i];
        means[o][c * bins + k] = sum / double(bin);
        grand[o] += sum / double(bin) / double(total);
      }
  }
  std::vector<std::vector<double>> C(names.size(), std::vector<double>(names.size(), 0.0));
  for (std::size_t a = 0; a < names.size(); ++a)
    for (std::size_t b = 0; b <= a; ++b) {
      double sum = 0;
      for (std::size_t k = 0; k < total; ++k)
        sum += (means[a][k] - grand[a]) * (means[b][k] - grand[b]);
      C[a][b] = C[b][a] = sum / double(total - 1) / double(total);
    }
  return C;
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

// The relative precision every observable must reach (combined error of
// the two samplers): 1 %. chi_2 = M^2/V is the expensive one, a second moment
// with a per-configuration relative spread of ~1.3 at the tutorial point.
inline constexpr double kPrecisionFloor = 0.01;

// Compares samplers A and B on `names` (an even count: the p-value formula),
// each observable scaled by `scale[name]` (|M| -> |M|/V). Fails if the
// chi^2 has p < 0.001 or if any combined error exceeds kPrecisionFloor.
inline void expect_agreement(const char* a_label, const SeriesSet& a, const char* b_label,
                             const SeriesSet& b, const std::vector<std::string>& names,
                             const std::map<std::string, double>& scale) {
  const std::size_t n = names.size();
  std::vector<double> d(n);
  double tau_a = 0.5, tau_b = 0.5;
  for (std::size_t i = 0; i < n; ++i) {
    const auto ra = gamma_method(a.at(names[i])), rb = gamma_method(b.at(names[i]));
    const double s = scale.count(names[i]) ? scale.at(names[i]) : 1.0;
    d[i] = ra.mean - rb.mean;
    const double sigma = std::hypot(ra.error, rb.error);
    std::printf("  %-6s %s %.5f +- %.5f (tau %.1f)   %s %.5f +- %.5f (tau %.1f)   %+.2f sigma\n",
                names[i].c_str(), a_label, ra.mean * s, ra.error * s, ra.tau_int, b_label,
                rb.mean * s, rb.error * s, rb.tau_int, d[i] / sigma);
    EXPECT_LT(sigma, kPrecisionFloor * std::abs(rb.mean))
        << names[i] << ": not enough statistics";
    tau_a = std::max(tau_a, ra.tau_int), tau_b = std::max(tau_b, rb.tau_int);
  }
  auto C = binned_covariance(a, names, tau_a);
  const auto Cb = binned_covariance(b, names, tau_b);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) C[i][j] += Cb[i][j];
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
