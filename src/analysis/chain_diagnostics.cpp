// Binning errors and the longest stay of a chain.
#include "flowlat/analysis/chain_diagnostics.hpp"

#include <algorithm>
#include <cmath>

namespace flowlat {

double binned_error(const std::vector<double>& data, std::int64_t n_chain, std::int64_t& bin_size) {
  bin_size = 0;
  if (data.empty() || n_chain <= 0) return 0;
  const std::int64_t per_chain = std::int64_t(data.size()) / n_chain;
  double error = 0;
  for (std::int64_t b = 1; per_chain / b >= 1 && n_chain * (per_chain / b) >= 64; b *= 2) {
    const std::int64_t bins = per_chain / b;
    std::vector<double> means;
    for (std::int64_t c = 0; c < n_chain; ++c)
      for (std::int64_t k = 0; k < bins; ++k) {
        double s = 0;
        for (std::int64_t i = 0; i < b; ++i) s += data[std::size_t(c * per_chain + k * b + i)];
        means.push_back(s / double(b));
      }
    double mean = 0, var = 0;
    for (double m : means) mean += m / double(means.size());
    for (double m : means) var += (m - mean) * (m - mean);
    var /= double(means.size() - 1);
    error = std::sqrt(var / double(means.size()));
    bin_size = b;
  }
  return error;
}

LongestStay longest_stay(const std::vector<double>& accept, std::int64_t n_chain) {
  LongestStay s;
  if (accept.empty() || n_chain <= 0) return s;
  const std::int64_t per_chain = std::int64_t(accept.size()) / n_chain;
  for (std::int64_t c = 0; c < n_chain; ++c) {
    std::int64_t run = 0;
    for (std::int64_t i = 0; i < per_chain; ++i) {
      run = accept[std::size_t(c * per_chain + i)] != 0 ? 1 : run + 1;
      s.updates = std::max(s.updates, run);
    }
  }
  s.fraction = per_chain > 0 ? double(s.updates) / double(per_chain) : 0;
  return s;
}

}  // namespace flowlat
