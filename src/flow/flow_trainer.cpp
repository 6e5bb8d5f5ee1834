// The shared training step: flow samples of the prior batch, the global
// gradient sum, Adam.
#include "flowlat/flow/flow_trainer.hpp"

#include <algorithm>
#include <cmath>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/math.hpp"
#include "flowlat/core/philox.hpp"

namespace flowlat {

double ess_per_sample(const MpiContext& mpi, const BatchScalar& log_w, index_t n,
                      index_t global_n) {
  double local_max = -1e300;
  Kokkos::parallel_reduce(
      "ess.max", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b, double& m) { m = log_w(b) > m ? log_w(b) : m; },
      Kokkos::Max<double>(local_max));
  double w_max = local_max;
  MPI_Allreduce(&local_max, &w_max, 1, MPI_DOUBLE, MPI_MAX, mpi.comm());
  double sums[2] = {0, 0};
  Kokkos::parallel_reduce(
      "ess.sum_w", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b, double& s) { s += math::exp(log_w(b) - w_max); }, sums[0]);
  Kokkos::parallel_reduce(
      "ess.sum_w2", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b, double& s) { s += math::exp(2 * (log_w(b) - w_max)); }, sums[1]);
  double global[2];
  MPI_Allreduce(sums, global, 2, MPI_DOUBLE, MPI_SUM, mpi.comm());
  return global[1] > 0 ? global[0] * global[0] / (double(global_n) * global[1]) : 0.0;
}

double expected_imh_acceptance(const std::vector<double>& log_w) {
  if (log_w.empty()) return 0;
  double w_max = -1e300;
  for (double w : log_w) w_max = std::max(w_max, w);
  double norm = 0, acc = 0;
  for (double wi : log_w) {
    const double weight = std::exp(wi - w_max);
    if (weight == 0) continue;
    double mean = 0;
    for (double wj : log_w) mean += wj >= wi ? 1.0 : std::exp(wj - wi);
    norm += weight;
    acc += weight * mean / double(log_w.size());
  }
  return norm > 0 ? acc / norm : 0.0;
}

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
  last_ess_ = ess_per_sample(mpi_, log_w, n, global_batch_);
  last_acceptance_ = expected_imh_acceptance(allgather_batch(mpi_, log_w, n));
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
