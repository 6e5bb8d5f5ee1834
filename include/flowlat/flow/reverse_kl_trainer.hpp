// Self-training by the reverse KL divergence: L = <log q(phi) + S(phi)>_q on
// flow samples, the gradient through phi = f(z) and through log|det J|.
#pragma once
#include "flowlat/flow/flow_trainer.hpp"

namespace flowlat {

class ReverseKlTrainer : public FlowTrainer {
 public:
  ReverseKlTrainer(const MpiContext& mpi, Flow& flow, const Theory& theory, index_t global_batch,
                   const AdamOptions& adam, std::uint64_t seed);
  double loss_and_gradient(std::uint32_t t, bool grads) override;

  // Public for nvcc (device lambda).
  void seed_reverse_kl_gradient();

 private:
  BatchScalar grad_log_q_;
};

}  // namespace flowlat
