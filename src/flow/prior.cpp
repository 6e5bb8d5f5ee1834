// The normal and the uniform-angle priors: draws keyed by (seed, stream,
// purpose, step, element), densities and their gradients.
#include "flowlat/flow/prior.hpp"

#include <cmath>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/batch_reduce.hpp"
#include "flowlat/core/math.hpp"

namespace flowlat {

void NormalPrior::draw(const Field& z, index_t n, std::uint64_t seed, std::int64_t first_stream,
                       RandomPurpose purpose, std::uint32_t step,
                       std::uint64_t first_element) const {
  // element x of config b is normal first_element + x of its stream, as
  // CounterRng::normal_at, drawn in blocks so Box-Muller vectorises
  constexpr int kBlock = CounterRng::kNormalBlock;
  const index_t dof = index_t(z.extent(1));
  Kokkos::parallel_for(
      "prior.normal_draw", batch_site_policy(n, (dof + kBlock - 1) / kBlock),
      KOKKOS_LAMBDA(index_t b, index_t block) {
        const index_t x0 = block * kBlock;
        const int count = int(dof - x0 < kBlock ? dof - x0 : kBlock);
        CounterRng(seed, std::uint32_t(first_stream + b))
            .normals(purpose, step, first_element + std::uint64_t(x0), count, &z(b, x0));
      });
}

void NormalPrior::log_density(const Field& z, index_t n, const BatchScalar& log_r) const {
  const real_t norm = -0.5 * std::log(2 * math::pi);
  batch_sum("prior.normal_log_density", n, index_t(z.extent(1)), log_r,
            KOKKOS_LAMBDA(index_t b, index_t x) { return norm - 0.5 * z(b, x) * z(b, x); });
}

void NormalPrior::log_density_gradient(const Field& z, index_t n, const BatchScalar& grad_log_r,
                                       const Field& g) const {
  Kokkos::parallel_for(
      "prior.normal_gradient", batch_site_policy(n, index_t(z.extent(1))),
      KOKKOS_LAMBDA(index_t b, index_t x) { g(b, x) = -grad_log_r(b) * z(b, x); });
}

void UniformAnglePrior::draw(const Field& z, index_t n, std::uint64_t seed,
                             std::int64_t first_stream, RandomPurpose purpose,
                             std::uint32_t step, std::uint64_t first_element) const {
  Kokkos::parallel_for(
      "prior.angle_draw", batch_site_policy(n, index_t(z.extent(1))),
      KOKKOS_LAMBDA(index_t b, index_t x) {
        z(b, x) = 2 * math::pi *
                  CounterRng(seed, std::uint32_t(first_stream + b))
                      .uniform_at(purpose, step, first_element + std::uint64_t(x));
      });
}

void UniformAnglePrior::log_density(const Field& z, index_t n, const BatchScalar& log_r) const {
  const real_t value = -real_t(z.extent(1)) * std::log(2 * math::pi);
  Kokkos::parallel_for(
      "prior.angle_log_density", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b) { log_r(b) = value; });
}

void UniformAnglePrior::log_density_gradient(const Field& z, index_t n, const BatchScalar&,
                                             const Field& g) const {
  // a constant density: nothing flows back to z
  Kokkos::parallel_for(
      "prior.angle_gradient", batch_site_policy(n, index_t(z.extent(1))),
      KOKKOS_LAMBDA(index_t b, index_t x) { g(b, x) = 0; });
}

}  // namespace flowlat
