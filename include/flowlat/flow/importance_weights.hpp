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

// The largest normalised weight max_i e^{w_i} / sum_j e^{w_j}: 1/N for a
// perfect flow, near 1 when one sample dominates; 0 for no samples.
double max_normalized_weight(const std::vector<double>& log_w);

// Pareto k-hat of the importance weights (Vehtari, Simpson, Gelman, Yao,
// Gabry, "Pareto smoothed importance sampling", JMLR 2024): the shape of a
// generalised Pareto distribution fitted (Zhang & Stephens 2009, with the
// PSIS weak prior) to the M = ceil(min(N/5, 3 sqrt(N))) largest weights'
// excess over the next one. k > 0.7: the weights' variance is effectively
// infinite, so ESS and the independence sampler's errors are unreliable;
// k < 0.5: reliable. NaN when there are fewer than 5 finite tail weights.
double pareto_k_hat(const std::vector<double>& log_w);
inline constexpr double kParetoKLimit = 0.7;

// The figures above together, for logs, histories and summaries.
struct WeightDiagnostics {
  double ess_per_sample = 0, max_weight = 0, pareto_k = 0;
};
WeightDiagnostics weight_diagnostics(const std::vector<double>& log_w);

}  // namespace flowlat
