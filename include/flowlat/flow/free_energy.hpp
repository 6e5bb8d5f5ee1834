// The free energy from flow samples: the neural importance sampling (NIS)
// estimate of ln Z = ln E_q[e^w], w = -S - log q, from independent flow
// samples (PHYSICS.md "Flows and MCMC"), its error, and the variational
// bound <w>_q <= ln Z. Z is the integral of e^-S over the flow's field
// coordinates (phi4: R^V; U(1): link angles in [0, 2 pi)^{dV}), which is
// what Theory::exact_log_partition_function() gives where it is known.
#pragma once
#include <vector>

namespace flowlat {

struct FreeEnergyEstimate {
  double log_z = 0;        // ln (1/N) sum e^{w_i}
  double error = 0;        // its standard error (delta method: sd(e^w) / (sqrt(N) mean(e^w)))
  double lower_bound = 0;  // (1/N) sum w_i: the variational bound, <= ln Z in expectation
  long long samples = 0;   // finite log-weights used
};

// From the log-weights of independent flow samples (non-finite ones are
// counted as weight 0: a proposal the flow gives no finite density is
// rejected by every sampler). NaN figures for no finite sample.
FreeEnergyEstimate nis_free_energy(const std::vector<double>& log_w);

}  // namespace flowlat
