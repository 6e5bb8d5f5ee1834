// ESS/N and the expected independence-MH acceptance from log-weights.
#include "flowlat/flow/importance_weights.hpp"

#include <algorithm>
#include <cmath>

namespace flowlat {

namespace {
double max_of(const std::vector<double>& v) {
  double m = -1e300;
  for (double x : v) m = std::max(m, x);
  return m;
}
// Zhang & Stephens (2009) posterior-mean fit of a generalised Pareto
// distribution to exceedances x (sorted ascending, positive), with the weak
// prior towards k = 0.5 that PSIS uses; returns the shape k.
double generalized_pareto_shape(const std::vector<double>& x) {
  const std::size_t n = x.size();
  const int m = 30 + int(std::sqrt(double(n)));
  const double quartile = x[std::size_t(double(n) / 4 + 0.5) - 1];
  const std::size_t grid = std::size_t(m);
  std::vector<double> theta(grid), log_lik(grid);
  for (int j = 0; j < m; ++j) {
    // grid of theta = -k/sigma candidates
    theta[j] = 1 / x.back() + (1 - std::sqrt(m / (j + 0.5))) / (3 * quartile);
    double k = 0;  // the shape that maximises the likelihood at this theta
    for (double xi : x) k += std::log1p(-theta[j] * xi);
    k /= double(n);
    log_lik[j] = double(n) * (std::log(-theta[j] / k) - k - 1);
  }
  // posterior weights of the grid points, normalised stably
  std::vector<double> weight(grid);
  double total = 0;
  for (int j = 0; j < m; ++j) {
    double s = 0;
    for (int i = 0; i < m; ++i) s += std::exp(log_lik[i] - log_lik[j]);
    weight[j] = 1 / s;
    total += weight[j];
  }
  double theta_hat = 0;
  for (int j = 0; j < m; ++j) theta_hat += theta[j] * weight[j] / total;
  double k = 0;
  for (double xi : x) k += std::log1p(-theta_hat * xi);
  k /= double(n);
  const double a = 10;  // weakly informative prior for k (PSIS)
  return k * double(n) / (double(n) + a) + a * 0.5 / (double(n) + a);
}

}  // namespace

double max_normalized_weight(const std::vector<double>& log_w) {
  if (log_w.empty()) return 0;
  const double w_max = max_of(log_w);
  double s = 0;
  for (double w : log_w) s += std::exp(w - w_max);
  return s > 0 ? 1 / s : 0.0;
}

double pareto_k_hat(const std::vector<double>& log_w) {
  std::vector<double> w;
  for (double x : log_w)
    if (std::isfinite(x)) w.push_back(x);
  const std::size_t n = w.size();
  if (n < 5) return std::nan("");
  std::sort(w.begin(), w.end());
  const double top = w.back();
  const std::size_t tail =
      std::size_t(std::ceil(std::min(0.2 * double(n), 3 * std::sqrt(double(n)))));
  // threshold: the largest weight not in the tail
  const double cutoff = n > tail ? w[n - tail - 1] - top : -1e300;
  std::vector<double> x;
  for (std::size_t i = n - std::min(tail, n); i < n; ++i)
    if (w[i] - top > cutoff) x.push_back(std::exp(w[i] - top) - std::exp(cutoff));
  if (x.size() < 5 || !(x.back() > 0)) return std::nan("");
  return generalized_pareto_shape(x);
}

WeightDiagnostics weight_diagnostics(const std::vector<double>& log_w) {
  return {ess_per_sample(log_w), max_normalized_weight(log_w), pareto_k_hat(log_w)};
}

double ess_per_sample(const std::vector<double>& log_w) {
  if (log_w.empty()) return 0;
  const double w_max = max_of(log_w);
  double s1 = 0, s2 = 0;
  for (double w : log_w) {
    const double e = std::exp(w - w_max);
    s1 += e;
    s2 += e * e;
  }
  return s2 > 0 ? s1 * s1 / (double(log_w.size()) * s2) : 0.0;
}

double expected_imh_acceptance(const std::vector<double>& log_w) {
  if (log_w.empty()) return 0;
  const double w_max = max_of(log_w);
  double norm = 0, acc = 0;
  for (double wi : log_w) {
    const double weight = std::exp(wi - w_max);
    if (weight == 0) continue;
    double mean = 0;
    for (double wj : log_w) mean += wj >= wi ? 1.0 : std::exp(wj - wi);
    norm += weight;
    acc += weight * mean / double(log_w.size());
  }
  return norm > 0 ? acc / norm : 0.0;
}

}  // namespace flowlat
