// Checks of a Monte Carlo error estimate that do not trust it: a second,
// independent error (binning), and how long a chain sat still (the symptom
// of an independence sampler stuck behind one heavy weight).
#pragma once
#include <cstdint>
#include <vector>

namespace flowlat {

// Error of the mean from non-overlapping bins within each chain (data
// chain-major, [n_chain * n_per_chain]): bin sizes 1, 2, 4, ... while the
// bins of all chains number at least 64; the error of the largest such bin
// size (the plateau once bins >> tau_int; biased low when tau_int is
// comparable to the chain). bin_size gets that size. 0 with no data.
double binned_error(const std::vector<double>& data, std::int64_t n_chain, std::int64_t& bin_size);

// The longest stay of any chain in one state (consecutive rejected updates
// + 1), from per-update accept flags stored chain-major as 0/1; fraction:
// that stay over the chain length. For a flow independence sampler, whose
// proposals are never revisited, this is also the most visited state.
struct LongestStay {
  std::int64_t updates = 0;
  double fraction = 0;
};
LongestStay longest_stay(const std::vector<double>& accept, std::int64_t n_chain);

}  // namespace flowlat
