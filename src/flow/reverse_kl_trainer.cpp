// Reverse-KL loss: flow samples, the action, and the hand-written backward
// pass through phi = f(z) and log|det J|.
#include "flowlat/flow/reverse_kl_trainer.hpp"

#include <algorithm>

#include "flowlat/core/batch_policy.hpp"

namespace flowlat {

ReverseKlTrainer::ReverseKlTrainer(const MpiContext& mpi, Flow& flow, const Theory& theory,
                                   index_t global_batch, const AdamOptions& adam,
                                   std::uint64_t seed)
    : FlowTrainer(mpi, flow, theory, global_batch, adam, seed),
      grad_log_q_("train.grad_log_q", std::max<index_t>(local_.count, 1)) {}

void ReverseKlTrainer::seed_reverse_kl_gradient() {
  // dL/dphi = s S'(phi)/B, dL/dlog q = 1/B: this rank's share of the batch mean
  const double inv_b = 1.0 / double(global_batch_), scaled = action_scale() * inv_b;
  const index_t n = local_.count;
  theory_.force(phi_, n, grad_phi_);
  const auto g = grad_phi_;
  Kokkos::parallel_for(
      "train.scale_force", batch_site_policy(n, theory_.dof()),
      KOKKOS_LAMBDA(index_t b, index_t x) { g(b, x) *= scaled; });
  Kokkos::deep_copy(grad_log_q_, inv_b);
}

double ReverseKlTrainer::loss_and_gradient(std::uint32_t t, bool grads) {
  const double loss = sample_flow_batch(t);
  if (grads) {
    seed_reverse_kl_gradient();
    flow_.parameters().zero_grads();
    flow_.backward(grad_phi_, grad_log_q_, local_.count);
  }
  return loss;
}

}  // namespace flowlat
