// Hybrid chains: HMC trajectory, then flow independence-MH proposals.
#include "flowlat/mcmc/hybrid_update.hpp"

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/math.hpp"
#include "flowlat/core/philox.hpp"
#include "flowlat/flow/flow_samples.hpp"

namespace flowlat {

HybridUpdate::HybridUpdate(const Theory& theory, Hmc& hmc, Flow& flow, int flow_proposals,
                           std::uint64_t seed, std::int64_t first_chain, index_t capacity)
    : theory_(theory),
      hmc_(hmc),
      flow_(flow),
      flow_proposals_(flow_proposals),
      seed_(seed),
      first_chain_(first_chain),
      z_("hybrid.z", capacity, theory.dof()),
      proposal_("hybrid.proposal", capacity, theory.dof()),
      log_q_("hybrid.log_q", capacity),
      proposal_log_w_("hybrid.proposal_log_w", capacity),
      state_log_w_("hybrid.state_log_w", capacity),
      take_("hybrid.take", capacity) {
  if (flow.capacity() < capacity)
    throw RuntimeFailure("HybridUpdate: the flow's capacity is smaller than the chain batch");
  if (flow.dof() != theory.dof())
    throw RuntimeFailure("HybridUpdate: the flow's lattice does not match the theory's");
}

void HybridUpdate::log_weights(const Field& phi, index_t n, const BatchScalar& log_w) {
  flow_log_weights(flow_, theory_, phi, n, z_, log_q_, log_w);
}

void HybridUpdate::propose(index_t n, std::uint32_t step, int k) {
  // proposal k of the step: elements k dof, ... of the chain's stream
  const std::uint64_t offset = std::uint64_t(k) * std::uint64_t(theory_.dof());
  flow_.prior().draw(z_, n, seed_, first_chain_, RandomPurpose::HybridPrior, step, offset);
  flow_proposals(flow_, theory_, z_, n, proposal_, log_q_, proposal_log_w_);
}

void HybridUpdate::accept_or_reject(const Field& phi, index_t n, std::uint32_t step, int k,
                                    const BatchScalar& accepted) {
  const auto w_new = proposal_log_w_, w_old = state_log_w_;
  const auto proposal = proposal_;
  const std::uint64_t seed = seed_;
  const std::int64_t first = first_chain_;
  const index_t dof = theory_.dof();
  const BatchFlags take = take_;
  Kokkos::parallel_for(
      "hybrid.metropolis", Kokkos::RangePolicy<ExecSpace>(0, n), KOKKOS_LAMBDA(index_t b) {
        double u, unused;
        CounterRng(seed, std::uint32_t(first + b))
            .uniform2(RandomPurpose::HybridAccept, step, std::uint32_t(k), u, unused);
        const real_t delta = w_new(b) - w_old(b);
        // a non-finite proposal weight (a diverging flow) is never accepted;
        // delta - delta is NaN exactly when delta is not finite
        const bool finite = delta - delta == 0;
        take(b) = finite && (delta >= 0 || u < math::exp(delta)) ? 1 : 0;
        if (take(b)) {
          w_old(b) = w_new(b);
          accepted(b) += 1;
        }
      });
  Kokkos::parallel_for(
      "hybrid.copy_accepted", batch_site_policy(n, dof), KOKKOS_LAMBDA(index_t b, index_t x) {
        if (take(b)) phi(b, x) = proposal(b, x);
      });
}

void HybridUpdate::update(const Field& phi, index_t n, std::uint32_t step,
                          const std::vector<BatchScalar>& reals,
                          const std::vector<BatchFlags>& flags) {
  hmc_.update(phi, n, step, {reals[0]}, {flags[0]});
  // the trajectory moved the state: its log-weight is computed afresh
  log_weights(phi, n, state_log_w_);
  const BatchScalar accepted = reals[1];
  Kokkos::deep_copy(accepted, 0.0);
  for (int k = 0; k < flow_proposals_; ++k) {
    propose(n, step, k);
    accept_or_reject(phi, n, step, k, accepted);
  }
  const auto state_w = state_log_w_, out_w = reals[2];
  const BatchFlags moved = flags[1];
  const double per = 1.0 / double(flow_proposals_ > 0 ? flow_proposals_ : 1);
  Kokkos::parallel_for(
      "hybrid.records", Kokkos::RangePolicy<ExecSpace>(0, n), KOKKOS_LAMBDA(index_t b) {
        moved(b) = accepted(b) > 0 ? 1 : 0;
        accepted(b) *= per;
        out_w(b) = state_w(b);
      });
}

}  // namespace flowlat
