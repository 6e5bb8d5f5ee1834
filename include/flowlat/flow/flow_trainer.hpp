// The data-parallel training step shared by every loss: each rank computes the
// gradient of its share of the global batch, the gradients are summed with
// MPI_Allreduce, and every rank applies the same Adam step, so the parameters
// stay identical everywhere. A loss is a subclass filling loss_and_gradient().
#pragma once
#include <cstdint>

#include <string>
#include <vector>

#include "flowlat/core/error.hpp"
#include "flowlat/core/mpi_context.hpp"
#include "flowlat/flow/adam.hpp"
#include "flowlat/flow/flow.hpp"
#include "flowlat/flow/importance_weights.hpp"
#include "flowlat/flow/temper_schedule.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat {

struct TrainStepResult {
  long long step = 0;         // 1-based index of the step just taken
  double loss = 0;            // the trained loss over the global batch
  double ess_per_sample = 0;  // reweighting ESS/N of a global batch of flow samples
  double acceptance = 0;      // expected independence-MH acceptance, estimated from that batch
  double max_weight = 0;      // largest normalised weight of that batch
  double pareto_k = 0;        // Pareto k-hat of that batch's weights (noisy: few samples)
  double grad_norm = 0;       // global gradient norm before clipping
  double learning_rate = 0;   // used by this step
  double action_scale = 1;    // s of the tempered action s S this step trained on (1: S itself)
};

// Training produced a non-finite loss, gradient or parameter. Every rank
// throws the same one (the values are global), so no rank waits in a
// collective call; the message names the step and, where known, the block.
class NonFiniteTraining : public CollectiveFailure {
 public:
  using CollectiveFailure::CollectiveFailure;
};

class FlowTrainer {
 public:
  FlowTrainer(const MpiContext& mpi, Flow& flow, const Theory& theory, index_t global_batch,
              const AdamOptions& adam, std::uint64_t seed);
  virtual ~FlowTrainer() = default;
  FlowTrainer(const FlowTrainer&) = delete;
  FlowTrainer& operator=(const FlowTrainer&) = delete;

  // One Adam step. NonFiniteTraining, before the parameters are changed, if
  // the loss or the summed gradient is not finite, and after it if the new
  // parameters are not. `figures`: the step must report the importance-weight
  // figures (ESS/N, acceptance, max weight, Pareto k^) and last_log_weights().
  // A loss trained on other samples than the flow's (forward KL) pays a flow
  // batch for them only then; without it they are NaN and the log-weights empty.
  TrainStepResult step(bool figures = true);
  // The log-weights w = -S - log q of the last flow batch, every rank's, in
  // global batch order (diagnostics pool them over several steps).
  const std::vector<double>& last_log_weights() const { return last_log_w_; }
  Adam& optimizer() { return adam_; }
  // Reverse KL only: train on s(t) S (temper_schedule.hpp); the loss and the
  // weight figures of those steps are those of s S.
  void set_temper_schedule(const TemperSchedule& schedule) { temper_ = schedule; }
  // s of the next step's action (1 outside the schedule).
  double action_scale() const { return temper_.scale(adam_.steps_taken()); }
  long long steps_taken() const { return adam_.steps_taken(); }

  // Loss of the current parameters on the batch of step `t` (no update), and
  // this rank's gradients (before the allreduce) when grads = true. Also sets
  // the ESS/N reported by step() (or NaN, see step()). Used directly by the
  // gradient tests.
  virtual double loss_and_gradient(std::uint32_t t, bool grads) = 0;

  // Draws this rank's prior batch of step t (sample j of the global batch
  // from CounterRng(seed, j): the batch does not depend on the rank count),
  // pushes it through the flow and evaluates the action. Returns the global
  // mean of log q + s S (the reverse-KL loss; s = action_scale()) and sets
  // the batch's ESS/N from the log-weights -s S - log q.
  // Public: it launches device lambdas, which nvcc does not allow in private
  // or protected member functions.
  double sample_flow_batch(std::uint32_t t);

 protected:
  MpiContext mpi_;
  Flow& flow_;
  const Theory& theory_;
  index_t global_batch_;
  ChainRange local_;
  std::uint64_t seed_;
  Field z_, phi_, grad_phi_;
  BatchScalar log_q_, action_, log_w_;
  double last_acceptance_ = 0;
  WeightDiagnostics last_weights_;
  std::vector<double> last_log_w_;
  bool want_figures_ = true;  // step()'s argument, for loss_and_gradient()
  TemperSchedule temper_;
  // No flow batch this step: NaN figures, no log-weights.
  void clear_figures();

 private:
  Adam adam_;
};

}  // namespace flowlat
