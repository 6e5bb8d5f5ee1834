// Self-training by the reverse KL divergence, data-parallel over MPI ranks:
// L = <log q(phi) + S(phi)>_q over a global batch split across ranks,
// gradients summed with MPI_Allreduce, identical Adam steps everywhere.
#pragma once
#include <cstdint>

#include "flowlat/core/mpi_context.hpp"
#include "flowlat/flow/adam.hpp"
#include "flowlat/flow/flow.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat {

struct TrainStepResult {
  long long step = 0;         // 1-based index of the step just taken
  double loss = 0;            // <log q + S> over the global batch
  double ess_per_sample = 0;  // reweighting ESS/N of the global batch
  double grad_norm = 0;       // global gradient norm before clipping
  double learning_rate = 0;   // used by this step
};

// Sample j of the global batch at step t draws its prior z from
// CounterRng(seed, j) at step t: the curve does not depend on the rank count.
class ReverseKlTrainer {
 public:
  ReverseKlTrainer(const MpiContext& mpi, Flow& flow, const Theory& theory, index_t global_batch,
                   const AdamOptions& adam, std::uint64_t seed);
  TrainStepResult step();
  Adam& optimizer() { return adam_; }
  long long steps_taken() const { return adam_.steps_taken(); }

  // Loss of the current parameters on the batch of step `t` (no update):
  // used by the gradient tests. Fills this rank's gradients (before allreduce) when grads = true.
  double loss_and_gradient(std::uint32_t t, bool grads);

  // This rank's prior draws of step t. Public: it launches a device lambda,
  // which nvcc does not allow in a private member function.
  void draw_prior(std::uint32_t t);

 private:

  MpiContext mpi_;
  Flow& flow_;
  const Theory& theory_;
  index_t global_batch_;
  ChainRange local_;
  Adam adam_;
  std::uint64_t seed_;
  Field z_, phi_, grad_phi_;
  BatchScalar log_q_, action_, grad_log_q_;
  double last_ess_ = 0;
};

// ESS/N = (sum e^w)^2 / (N sum e^{2w}) of log-weights spread over ranks
// (local values 0..n-1 of `log_w`), computed stably with the global max.
double ess_per_sample(const MpiContext& mpi, const BatchScalar& log_w, index_t n,
                      index_t global_n);

}  // namespace flowlat
