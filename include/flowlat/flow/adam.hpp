// Adam (Kingma & Ba 2014) on the flat parameter array, with optional
// gradient clipping by global norm and a learning-rate schedule.
#pragma once
#include <string>

#include "flowlat/flow/parameters.hpp"

namespace flowlat {

enum class LrSchedule { Constant, Cosine };
LrSchedule lr_schedule_from_name(const std::string& name);

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double clip_norm = 0.0;  // 0: no clipping
  LrSchedule schedule = LrSchedule::Constant;
  double lr_min = 0.0;       // cosine: lr decays from lr to lr_min
  long long total_steps = 1;  // cosine: length of the decay
};

class Adam {
 public:
  Adam(index_t n_params, const AdamOptions& options);
  // One update of params from grads (grads are clipped in place when
  // clip_norm > 0). Returns the gradient norm before clipping.
  double step(const ParamVector& params, const ParamVector& grads);
  // The global norm of `grads`, bit-identical for any number of threads.
  // Public: it launches a device lambda (nvcc).
  double gradient_norm(const ParamVector& grads);
  double learning_rate() const;  // for the next step
  long long steps_taken() const { return t_; }

  // Optimizer state, for checkpoints and model files.
  ParamVector first_moment() const { return m_; }
  ParamVector second_moment() const { return v_; }
  void set_steps_taken(long long t) { t_ = t; }
  const AdamOptions& options() const { return options_; }

 private:
  AdamOptions options_;
  ParamVector m_, v_;
  static constexpr index_t kNormBlock = 1024;
  Kokkos::View<double*, MemSpace> norm_blocks_;
  Kokkos::View<double*, MemSpace>::HostMirror norm_blocks_host_;
  long long t_ = 0;
};

}  // namespace flowlat
