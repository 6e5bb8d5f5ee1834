// In-process flow independence Metropolis-Hastings for validation tests: one
// chain of n_blocks x block proposals (one rank), every scalar observable of
// the chain's state after each element, ready for the Gamma method, and the
// reweighting (NIS) estimate sum e^w O / sum e^w of the same proposals.
#pragma once
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "flowlat/flow/flow.hpp"
#include "flowlat/mcmc/flow_metropolis.hpp"
#include "flowlat/observables/scalar_field_observables.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat::testing_support {

struct FlowMhSamples {
  std::map<std::string, std::vector<double>> series;  // name -> chain value per element
  std::map<std::string, double> reweighted;           // name -> NIS estimate
  long long accepted = 0, offered = 0;
  double acceptance() const { return double(accepted) / double(offered); }
};

// The chain starts on proposal 0; proposer and chain use `seed`.
inline FlowMhSamples flow_mh_samples(const Theory& theory, Flow& flow, index_t block,
                                     int n_blocks, std::uint64_t seed) {
  const MpiContext self(MPI_COMM_SELF);
  FlowProposer proposer(self, flow, theory, seed, block);
  IndependenceChain chain(seed);
  const auto obs = theory.observables(block);
  BatchScalar action("flow_mh.S", block);
  Measurement m;
  const auto names = obs->scalar_names();
  std::vector<double> w, current(names.size(), 0.0), rw_num(names.size(), 0.0);
  double rw_den = 0, w_ref = 0;
  FlowMhSamples out;
  for (int k = 0; k < n_blocks; ++k) {
    proposer.propose(std::int64_t(k) * block, w);
    if (k == 0) w_ref = w[0];  // keeps e^w finite
    theory.action(proposer.configurations(), block, action);
    obs->measure(proposer.configurations(), block, action, m);
    for (index_t i = 0; i < block; ++i) {
      const bool accept = chain.offer(std::int64_t(k) * block + i, w[i]);
      if (accept)
        for (std::size_t o = 0; o < names.size(); ++o) current[o] = m.scalars[o][i];
      out.accepted += accept;
      ++out.offered;
      const double e = std::exp(w[i] - w_ref);
      rw_den += e;
      for (std::size_t o = 0; o < names.size(); ++o) {
        rw_num[o] += e * m.scalars[o][i];
        out.series[names[o]].push_back(current[o]);
      }
    }
  }
  for (std::size_t o = 0; o < names.size(); ++o) out.reweighted[names[o]] = rw_num[o] / rw_den;
  return out;
}

}  // namespace flowlat::testing_support
