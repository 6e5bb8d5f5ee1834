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

double Adam::gradient_norm(const ParamVector& grads) {
  // Sums over fixed blocks, then the blocks in order: the same bits for any
  // number of threads (a parallel_reduce's grouping follows the threads, and
  // clipping by this norm would pass that on to every parameter).
  const index_t n = grads.extent(0);
  const index_t blocks = (n + kNormBlock - 1) / kNormBlock;
  if (index_t(norm_blocks_.extent(0)) < blocks) {
    norm_blocks_ = Kokkos::View<double*, MemSpace>("adam.norm_blocks", blocks);
    norm_blocks_host_ = Kokkos::create_mirror_view(HostSpace(), norm_blocks_);
  }
  const auto part = norm_blocks_;
  Kokkos::parallel_for(
      "adam.grad_norm", Kokkos::RangePolicy<ExecSpace>(0, blocks), KOKKOS_LAMBDA(index_t blk) {
        const index_t end = (blk + 1) * kNormBlock < n ? (blk + 1) * kNormBlock : n;
        double acc = 0;
        for (index_t i = blk * kNormBlock; i < end; ++i) acc += grads(i) * grads(i);
        part(blk) = acc;
      });
  Kokkos::deep_copy(norm_blocks_host_, norm_blocks_);
  double norm2 = 0;
  for (index_t blk = 0; blk < blocks; ++blk) norm2 += norm_blocks_host_(blk);
  return std::sqrt(norm2);
}

double Adam::step(const ParamVector& params, const ParamVector& grads) {
  const index_t n = params.extent(0);
  const double norm = gradient_norm(grads);
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
