// Training by the forward KL divergence on given configurations (e.g. an HMC
// ensemble): L = -<log q(phi)>_data, log q from the inverse pass phi -> z,
// the gradient through the inverse pass. Unlike reverse KL it is mass-covering:
// it cannot collapse onto one of the two vacua of the broken phase.
#pragma once
#include "flowlat/flow/flow_trainer.hpp"

namespace flowlat {

class ForwardKlTrainer : public FlowTrainer {
 public:
  // data: [n_data][V] on every rank. Sample j of the global batch at step t is
  // configuration floor(u n_data), u from CounterRng(seed, j) at step t: the
  // batch does not depend on the rank count. The reported ESS/N comes from a
  // separate batch of flow samples (as in reverse-KL training), so the two
  // losses log comparable figures; it is drawn only on steps that ask for the
  // figures (FlowTrainer::step).
  ForwardKlTrainer(const MpiContext& mpi, Flow& flow, const Theory& theory, Field data,
                   index_t global_batch, const AdamOptions& adam, std::uint64_t seed);
  double loss_and_gradient(std::uint32_t t, bool grads) override;

  // Public for nvcc (device lambdas).
  void gather_data_batch(std::uint32_t t);
  void seed_forward_kl_gradient();

 private:
  Field data_, batch_;
  BatchScalar grad_log_q_;
};

}  // namespace flowlat
