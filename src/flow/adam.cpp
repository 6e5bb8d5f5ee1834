// Adam step as one fused kernel after an optional global-norm reduction.
#include "flowlat/flow/adam.hpp"

#include <cmath>

#include "flowlat/core/error.hpp"
#include "flowlat/core/math.hpp"

namespace flowlat {

LrSchedule lr_schedule_from_name(const std::string& name) {
  if (name == "constant") return LrSchedule::Constant;
  if (name == "cosine") return LrSchedule::Cosine;
  throw InputError("train.lr_schedule: unknown value '" + name + "', expected constant|cosine");
}

Adam::Adam(index_t n_params, const AdamOptions& options)
    : options_(options), m_("adam.m", n_params), v_("adam.v", n_params) {}

double Adam::learning_rate() const {
  if (options_.schedule == LrSchedule::Constant) return options_.lr;
  const double progress =
      std::min(1.0, double(t_) / double(std::max<long long>(1, options_.total_steps)));
  return options_.lr_min +
         0.5 * (options_.lr - options_.lr_min) * (1 + std::cos(math::pi * progress));
}

double Adam::step(const ParamVector& params, const ParamVector& grads) {
  const index_t n = params.extent(0);
  double norm2 = 0;
  Kokkos::parallel_reduce(
      "adam.grad_norm", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t i, double& acc) { acc += grads(i) * grads(i); }, norm2);
  const double norm = std::sqrt(norm2);
  const double scale =
      (options_.clip_norm > 0 && norm > options_.clip_norm) ? options_.clip_norm / norm : 1.0;

  const double lr = learning_rate();
  ++t_;
  const double b1 = options_.beta1, b2 = options_.beta2, eps = options_.eps;
  const double c1 = 1.0 / (1.0 - std::pow(b1, double(t_)));
  const double c2 = 1.0 / (1.0 - std::pow(b2, double(t_)));
  const auto m = m_, v = v_;
  Kokkos::parallel_for(
      "adam.step", Kokkos::RangePolicy<ExecSpace>(0, n), KOKKOS_LAMBDA(index_t i) {
        const double g = scale * grads(i);
        grads(i) = g;
        m(i) = b1 * m(i) + (1 - b1) * g;
        v(i) = b2 * v(i) + (1 - b2) * g * g;
        params(i) -= lr * (m(i) * c1) / (math::sqrt(v(i) * c2) + eps);
      });
  return norm;
}

}  // namespace flowlat
