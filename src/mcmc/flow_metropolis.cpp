// Flow proposals in parallel, decisions everywhere.
#include "flowlat/mcmc/flow_metropolis.hpp"

#include <cmath>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/philox.hpp"
#include "flowlat/flow/flow_samples.hpp"

namespace flowlat {

FlowProposer::FlowProposer(const MpiContext& mpi, Flow& flow, const Theory& theory,
                           std::uint64_t seed, index_t block_size)
    : mpi_(mpi),
      flow_(flow),
      theory_(theory),
      seed_(seed),
      block_size_(block_size),
      share_(mpi.split(block_size)),
      counts_(mpi.size()),
      displs_(mpi.size()) {
  for (int r = 0; r < mpi.size(); ++r) {
    const ChainRange c = MpiContext::split(block_size, r, mpi.size());
    counts_[r] = int(c.count);
    displs_[r] = int(c.begin);
  }
  const index_t cap = std::max<index_t>(share_.count, 1), dof = theory.dof();
  z_ = Field("proposer.z", cap, dof);
  phi_ = Field("proposer.phi", cap, dof);
  log_q_ = BatchScalar("proposer.log_q", cap);
  log_w_ = BatchScalar("proposer.log_w", cap);
  log_w_host_ = Kokkos::create_mirror_view(HostSpace(), log_w_);
}

void FlowProposer::propose(std::int64_t first, std::vector<double>& log_w) {
  const index_t n = share_.count;
  // proposal k: stream k, step 0 (streams are 32-bit: 4e9 proposals per seed)
  flow_.prior().draw(z_, n, seed_, first + share_.begin, RandomPurpose::FlowPrior, 0);
  flow_proposals(flow_, theory_, z_, n, phi_, log_q_, log_w_);
  Kokkos::deep_copy(log_w_host_, log_w_);
  log_w.resize(std::size_t(block_size_));
  MPI_Allgatherv(log_w_host_.data(), int(n), MPI_DOUBLE, log_w.data(), counts_.data(), displs_.data(),
                 MPI_DOUBLE, mpi_.comm());
}

bool IndependenceChain::offer(std::int64_t id, double log_w) {
  // A non-finite log-weight (a diverging flow, or S = +inf) is never
  // accepted, not even as the first state: +inf would freeze the chain.
  if (!std::isfinite(log_w)) {
    ++non_finite_;
    return false;
  }
  bool accept = true;
  if (started()) {
    double u, unused;
    CounterRng(seed_, std::uint32_t(id)).uniform2(RandomPurpose::FlowAccept, 0, 0, u, unused);
    accept = log_w >= state_log_w_ || u < std::exp(log_w - state_log_w_);
  }
  if (accept) {
    state_id_ = id;
    state_log_w_ = log_w;
  }
  return accept;
}

}  // namespace flowlat
