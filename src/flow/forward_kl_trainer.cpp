// Forward-KL loss on given configurations: batch selection, the inverse pass
// and its hand-written backward pass.
#include "flowlat/flow/forward_kl_trainer.hpp"

#include <algorithm>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/philox.hpp"

namespace flowlat {

ForwardKlTrainer::ForwardKlTrainer(const MpiContext& mpi, Flow& flow, const Theory& theory,
                                   Field data, index_t global_batch, const AdamOptions& adam,
                                   std::uint64_t seed)
    : FlowTrainer(mpi, flow, theory, global_batch, adam, seed),
      data_(std::move(data)),
      grad_log_q_("train.grad_log_q", std::max<index_t>(local_.count, 1)) {
  if (data_.extent(0) == 0) throw InputError("train.data: no configurations to train on");
  if (index_t(data_.extent(1)) != theory.dof())
    throw InputError("train.data: configurations have " + std::to_string(data_.extent(1)) +
                     " sites, the lattice has " + std::to_string(theory.dof()));
  batch_ = Field("train.data_batch", std::max<index_t>(local_.count, 1), theory.dof());
}

void ForwardKlTrainer::gather_data_batch(std::uint32_t t) {
  const auto data = data_, batch = batch_;
  const std::uint64_t seed = seed_;
  const std::int64_t first = local_.begin;
  const index_t n_data = index_t(data_.extent(0));
  Kokkos::parallel_for(
      "train.data_batch", batch_site_policy(local_.count, theory_.dof()),
      KOKKOS_LAMBDA(index_t b, index_t x) {
        double u, unused;
        CounterRng(seed, std::uint32_t(first + b))
            .uniform2(RandomPurpose::TrainingData, t, 0, u, unused);
        index_t pick = index_t(u * double(n_data));
        if (pick >= n_data) pick = n_data - 1;
        batch(b, x) = data(pick, x);
      });
}

void ForwardKlTrainer::seed_forward_kl_gradient() {
  Kokkos::deep_copy(grad_log_q_, -1.0 / double(global_batch_));
}

double ForwardKlTrainer::loss_and_gradient(std::uint32_t t, bool grads) {
  // ESS/N of fresh flow samples first: it overwrites what the backward pass
  // keeps. The batch is a whole forward pass spent on figures alone, so only
  // when step() asks for them.
  if (want_figures_)
    sample_flow_batch(t);
  else
    clear_figures();
  const index_t n = local_.count;
  gather_data_batch(t);
  flow_.inverse(batch_, n, z_, log_q_);
  const auto log_q = log_q_;
  double local_loss = 0;
  Kokkos::parallel_reduce(
      "train.forward_kl", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b, double& acc) { acc -= log_q(b); }, local_loss);
  double loss = 0;
  MPI_Allreduce(&local_loss, &loss, 1, MPI_DOUBLE, MPI_SUM, mpi_.comm());
  if (grads) {
    seed_forward_kl_gradient();
    flow_.parameters().zero_grads();
    flow_.inverse_backward(grad_log_q_, n, grad_phi_);
  }
  return loss / double(global_batch_);
}

}  // namespace flowlat
