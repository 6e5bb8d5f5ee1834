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
}  // namespace

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
