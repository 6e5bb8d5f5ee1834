// Theory: the defaults every field type may keep.
#include "flowlat/theory/theory.hpp"

#include <limits>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/philox.hpp"

namespace flowlat {

index_t Theory::dof() const {
  index_t n = 1;
  for (auto e : field_shape()) n *= e;
  return n;
}

double Theory::exact_log_partition_function() const {
  return std::numeric_limits<double>::quiet_NaN();
}

void Theory::drift(const Field& field, const Field& momentum, real_t h, index_t n) const {
  Kokkos::parallel_for(
      "md.drift", batch_site_policy(n, dof()),
      KOKKOS_LAMBDA(index_t b, index_t x) { field(b, x) += h * momentum(b, x); });
}

void Theory::kick(const Field& field, const Field& momentum, real_t h, index_t n,
                  const Field& scratch) const {
  force(field, n, scratch);
  Kokkos::parallel_for(
      "md.kick", batch_site_policy(n, dof()),
      KOKKOS_LAMBDA(index_t b, index_t x) { momentum(b, x) -= h * scratch(b, x); });
}

void Theory::hot_start(const Field& field, index_t n, std::uint64_t seed,
                       std::int64_t first_chain) const {
  Kokkos::parallel_for(
      "chains.hot_start", batch_site_policy(n, dof()), KOKKOS_LAMBDA(index_t b, index_t x) {
        field(b, x) = CounterRng(seed, std::uint32_t(first_chain + b))
                          .normal_at(RandomPurpose::InitialField, 0, std::uint64_t(x));
      });
}

}  // namespace flowlat
