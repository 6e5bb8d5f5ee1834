// Figures of merit of a flow from the log-weights w = -S - log q of its
// samples (all of them, on the host): the reweighting ESS/N and the expected
// acceptance of independence Metropolis-Hastings. Used while training (one
// batch), after sampling (the whole chain) and by `flowlat analyze`.
#pragma once
#include <vector>

namespace flowlat {

// ESS/N = (sum e^w)^2 / (N sum e^{2w}), computed stably with the max of w;
// 0 for no samples.
double ess_per_sample(const std::vector<double>& log_w);

// The acceptance rate of independence Metropolis-Hastings with this flow at
// equilibrium, E_{x~p, y~q} min(1, e^{w(y) - w(x)}), estimated from flow
// samples with log-weights w_i: x ~ p by self-normalised reweighting,
//   a = sum_i (e^{w_i} / sum_k e^{w_k}) (1/N) sum_j min(1, e^{w_j - w_i}).
// Deterministic (no accept/reject draws); O(N^2), meant for one batch.
double expected_imh_acceptance(const std::vector<double>& log_w);

}  // namespace flowlat
