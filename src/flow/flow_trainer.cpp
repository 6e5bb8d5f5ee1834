// The shared training step: flow samples of the prior batch, the global
// gradient sum, Adam.
#include "flowlat/flow/flow_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
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
  flow_.prior().draw(z_, n, seed_, local_.begin, RandomPurpose::FlowPrior, t);
  flow_.forward(z_, n, phi_, log_q_);
  theory_.action(phi_, n, action_);
  const auto log_q = log_q_, S = action_;
  const double s = action_scale();
  double local_loss = 0;
  Kokkos::parallel_reduce(
      "train.reverse_kl", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b, double& acc) { acc += log_q(b) + s * S(b); }, local_loss);
  // log-weights w = -s S - log q for the ESS, in a scratch batch
  const auto log_w = log_w_;
  Kokkos::parallel_for(
      "train.log_w", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b) { log_w(b) = -s * S(b) - log_q(b); });
  last_log_w_ = allgather_batch(mpi_, log_w, n);
  last_weights_ = weight_diagnostics(last_log_w_);
  last_acceptance_ = expected_imh_acceptance(last_log_w_);
  double loss = 0;
  MPI_Allreduce(&local_loss, &loss, 1, MPI_DOUBLE, MPI_SUM, mpi_.comm());
  return loss / double(global_batch_);
}

namespace {

// Name of the first parameter block with a non-finite entry in `v` (host
// copy), or "" if all are finite.
std::string first_non_finite_block(const ParameterStore& store, const ParamVector& v) {
  const auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), v);
  for (const auto& block : store.blocks())
    for (index_t i = block.offset; i < block.offset + block.count; ++i)
      if (!std::isfinite(host(i))) return block.name;
  return "";
}

bool all_finite(const ParamVector& v) {
  int bad = 0;
  Kokkos::parallel_reduce(
      "train.check_finite", Kokkos::RangePolicy<ExecSpace>(0, index_t(v.extent(0))),
      KOKKOS_LAMBDA(index_t i, int& acc) {
        // x - x is 0 for finite x and NaN for NaN or inf (portable across Kokkos 3 and 4)
        acc += (v(i) - v(i) == 0) ? 0 : 1;
      },
      bad);
  return bad == 0;
}

}  // namespace

void FlowTrainer::clear_figures() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  last_log_w_.clear();
  last_weights_ = WeightDiagnostics{nan, nan, nan};
  last_acceptance_ = nan;
}

TrainStepResult FlowTrainer::step(bool figures) {
  want_figures_ = figures;
  TrainStepResult r;
  r.learning_rate = adam_.learning_rate();
  r.action_scale = action_scale();
  const long long step = adam_.steps_taken() + 1;
  r.loss = loss_and_gradient(std::uint32_t(adam_.steps_taken()), true);
  if (!std::isfinite(r.loss))
    throw NonFiniteTraining("train: the loss is " + std::to_string(r.loss) + " at step " +
                            std::to_string(step) + " (the flow diverged; lower train.lr or set "
                            "train.clip_norm)");
  r.ess_per_sample = last_weights_.ess_per_sample;
  r.max_weight = last_weights_.max_weight;
  r.pareto_k = last_weights_.pareto_k;
  r.acceptance = last_acceptance_;
  // Sum the gradients of all ranks: one buffer, in place, identical everywhere.
  const ParamVector grads = flow_.parameters().grads();
  if (mpi_.size() > 1) {
    if constexpr (Kokkos::SpaceAccessibility<HostSpace, MemSpace>::accessible) {
      Kokkos::fence();  // the kernels that wrote the gradients are done
      MPI_Allreduce(MPI_IN_PLACE, grads.data(), int(grads.extent(0)), MPI_DOUBLE, MPI_SUM,
                    mpi_.comm());
    } else {  // device memory: through a host copy (MPI need not be GPU-aware)
      auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), grads);
      MPI_Allreduce(MPI_IN_PLACE, host.data(), int(host.extent(0)), MPI_DOUBLE, MPI_SUM,
                    mpi_.comm());
      Kokkos::deep_copy(grads, host);
    }
  }
  const ParameterStore& store = flow_.parameters();
  if (!all_finite(grads))
    throw NonFiniteTraining("train: non-finite gradient of " +
                            first_non_finite_block(store, grads) + " at step " +
                            std::to_string(step) + " (the flow diverged; lower train.lr or set "
                            "train.clip_norm)");
  r.grad_norm = adam_.step(store.values(), grads);
  if (!all_finite(store.values()))
    throw NonFiniteTraining("train: non-finite parameters in " +
                            first_non_finite_block(store, store.values()) + " after step " +
                            std::to_string(step));
  r.step = adam_.steps_taken();
  return r;
}

}  // namespace flowlat
