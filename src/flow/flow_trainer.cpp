// The shared training step: flow samples of the prior batch, the global
// gradient sum, Adam.
#include "flowlat/flow/flow_trainer.hpp"

#include <algorithm>
#include <vector>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/philox.hpp"
#include "flowlat/flow/importance_weights.hpp"

namespace flowlat {

namespace {

// Every rank's values 0..n-1 of `local`, in rank order, on every rank.
std::vector<double> allgather_batch(const MpiContext& mpi, const BatchScalar& local, index_t n) {
  const auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), local);
  const int count = int(n);
  std::vector<int> counts(std::size_t(mpi.size())), displs(std::size_t(mpi.size()), 0);
  MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, mpi.comm());
  for (std::size_t r = 1; r < counts.size(); ++r) displs[r] = displs[r - 1] + counts[r - 1];
  std::vector<double> all(std::size_t(displs.back() + counts.back()));
  MPI_Allgatherv(host.data(), count, MPI_DOUBLE, all.data(), counts.data(), displs.data(),
                 MPI_DOUBLE, mpi.comm());
  return all;
}

}  // namespace

FlowTrainer::FlowTrainer(const MpiContext& mpi, Flow& flow, const Theory& theory,
                         index_t global_batch, const AdamOptions& adam, std::uint64_t seed)
    : mpi_(mpi),
      flow_(flow),
      theory_(theory),
      global_batch_(global_batch),
      local_(mpi.split(global_batch)),
      seed_(seed),
      adam_(flow.parameters().size(), adam) {
  const index_t cap = std::max<index_t>(local_.count, 1), V = theory.dof();
  z_ = Field("train.z", cap, V);
  phi_ = Field("train.phi", cap, V);
  grad_phi_ = Field("train.grad_phi", cap, V);
  log_q_ = BatchScalar("train.log_q", cap);
  action_ = BatchScalar("train.action", cap);
  log_w_ = BatchScalar("train.log_w", cap);
}

double FlowTrainer::sample_flow_batch(std::uint32_t t) {
  const index_t n = local_.count;
  const auto z = z_;
  const std::uint64_t seed = seed_;
  const std::int64_t first = local_.begin;
  Kokkos::parallel_for(
      "train.prior", batch_site_policy(n, theory_.dof()), KOKKOS_LAMBDA(index_t b, index_t x) {
        z(b, x) = CounterRng(seed, std::uint32_t(first + b))
                      .normal_at(RandomPurpose::FlowPrior, t, std::uint64_t(x));
      });
  flow_.forward(z_, n, phi_, log_q_);
  theory_.action(phi_, n, action_);
  const auto log_q = log_q_, S = action_;
  double local_loss = 0;
  Kokkos::parallel_reduce(
      "train.reverse_kl", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b, double& acc) { acc += log_q(b) + S(b); }, local_loss);
  // log-weights w = -S - log q for the ESS, in a scratch batch
  const auto log_w = log_w_;
  Kokkos::parallel_for(
      "train.log_w", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b) { log_w(b) = -S(b) - log_q(b); });
  const std::vector<double> all_log_w = allgather_batch(mpi_, log_w, n);
  last_ess_ = ess_per_sample(all_log_w);
  last_acceptance_ = expected_imh_acceptance(all_log_w);
  double loss = 0;
  MPI_Allreduce(&local_loss, &loss, 1, MPI_DOUBLE, MPI_SUM, mpi_.comm());
  return loss / double(global_batch_);
}

TrainStepResult FlowTrainer::step() {
  TrainStepResult r;
  r.learning_rate = adam_.learning_rate();
  r.loss = loss_and_gradient(std::uint32_t(adam_.steps_taken()), true);
  r.ess_per_sample = last_ess_;
  r.acceptance = last_acceptance_;
  // Sum the gradients of all ranks: one buffer, in place, identical everywhere.
  const ParamVector grads = flow_.parameters().grads();
  if (mpi_.size() > 1) {
    auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), grads);
    MPI_Allreduce(MPI_IN_PLACE, host.data(), int(host.extent(0)), MPI_DOUBLE, MPI_SUM,
                  mpi_.comm());
    Kokkos::deep_copy(grads, host);
  }
  r.grad_norm = adam_.step(flow_.parameters().values(), grads);
  r.step = adam_.steps_taken();
  return r;
}

}  // namespace flowlat
