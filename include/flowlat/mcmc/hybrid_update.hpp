// One update of hybrid chains: an HMC trajectory, then `flow_proposals`
// independence Metropolis-Hastings steps with proposals from a trained flow.
// Each part leaves exp(-S) invariant, so the chain is exact; HMC makes it
// ergodic whatever the flow, and the flow adds global moves (across the
// phi -> -phi barrier, where HMC is slow near the critical line).
#pragma once
#include <cstdint>

#include "flowlat/flow/flow.hpp"
#include "flowlat/mcmc/chain_update.hpp"
#include "flowlat/mcmc/hmc.hpp"

namespace flowlat {

class HybridUpdate final : public ChainUpdate {
 public:
  // Chains 0..capacity-1 are global chains first_chain, ...; every draw is
  // keyed by (seed, global chain, update), so a chain's history does not
  // depend on the rank count. `flow` must have capacity >= capacity.
  HybridUpdate(const Theory& theory, Hmc& hmc, Flow& flow, int flow_proposals,
               std::uint64_t seed, std::int64_t first_chain, index_t capacity);

  // reals: dH of the trajectory, the fraction of flow proposals accepted,
  // and the log-weight w = -S - log q of the state after the update.
  std::vector<std::string> record_reals() const override {
    return {"dH", "flow_acceptance", "state_log_weight"};
  }
  // flags: the trajectory was accepted; a flow proposal moved the chain.
  std::vector<std::string> record_flags() const override { return {"accept_hmc", "moved_by_flow"}; }
  void update(const Field& phi, index_t n, std::uint32_t step, const std::vector<BatchScalar>& reals,
              const std::vector<BatchFlags>& flags) override;

  // w = -S(phi) - log q(phi) of configs 0..n-1 (through the inverse flow).
  void log_weights(const Field& phi, index_t n, const BatchScalar& log_w);
  // Proposal k of update `step` for every chain: phi' = f(z), z from the
  // chain's stream, and its log-weight.
  void propose(index_t n, std::uint32_t step, int k);
  // The independence-MH step of every chain against the proposals of
  // propose(): accepted configurations are copied into phi, state weights
  // updated, accepted counts incremented.
  void accept_or_reject(const Field& phi, index_t n, std::uint32_t step, int k,
                        const BatchScalar& accepted);

 private:
  const Theory& theory_;
  Hmc& hmc_;
  Flow& flow_;
  int flow_proposals_;
  std::uint64_t seed_;
  std::int64_t first_chain_;
  Field z_, proposal_;
  BatchScalar log_q_, proposal_log_w_, state_log_w_;
  BatchFlags take_;
};

}  // namespace flowlat
