// NIS free energy: log-sum-exp with the largest weight factored out.
#include "flowlat/flow/free_energy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace flowlat {

FreeEnergyEstimate nis_free_energy(const std::vector<double>& log_w) {
  FreeEnergyEstimate e;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double w_max = -std::numeric_limits<double>::infinity(), sum_w = 0;
  long long finite = 0;
  for (double w : log_w)
    if (std::isfinite(w)) {
      w_max = std::max(w_max, w);
      sum_w += w;
      ++finite;
    }
  e.samples = finite;
  if (finite == 0) {
    e.log_z = e.error = e.lower_bound = nan;
    return e;
  }
  // every proposal counts in N; a non-finite one contributes weight 0
  const double n = double(log_w.size());
  double s1 = 0, s2 = 0;
  for (double w : log_w)
    if (std::isfinite(w)) {
      const double x = std::exp(w - w_max);
      s1 += x;
      s2 += x * x;
    }
  const double mean = s1 / n, var = std::max(0.0, s2 / n - mean * mean);
  e.log_z = w_max + std::log(mean);
  e.error = n > 1 ? std::sqrt(var / (n - 1)) / mean : nan;
  e.lower_bound = sum_w / double(finite);
  return e;
}

}  // namespace flowlat
