// The plaquette angle and the wrap to a period, shared by the U(1) action,
// force, observables, local update and flow layers.
#pragma once
#include "flowlat/core/math.hpp"
#include "flowlat/core/types.hpp"

namespace flowlat::u1 {

inline constexpr double two_pi = 2 * math::pi;

// x mod 2 pi in [0, 2 pi).
KOKKOS_INLINE_FUNCTION real_t wrap_positive(real_t x) {
  real_t y = x - two_pi * math::floor(x / two_pi);
  return y >= two_pi ? y - two_pi : y;  // rounding can reach 2 pi itself
}
// x mod 2 pi in [-pi, pi): the geometric charge density's convention.
KOKKOS_INLINE_FUNCTION real_t wrap_symmetric(real_t x) {
  return wrap_positive(x + math::pi) - math::pi;
}

// theta_{mu nu}(x) of configuration b of a link field [mu * V + site].
template <class FieldView, class Table>
KOKKOS_INLINE_FUNCTION real_t plaquette_angle(const FieldView& theta, index_t b, const Table& fwd,
                                              index_t V, index_t x, int mu, int nu) {
  return theta(b, mu * V + x) + theta(b, nu * V + fwd(x, mu)) - theta(b, mu * V + fwd(x, nu)) -
         theta(b, nu * V + x);
}

}  // namespace flowlat::u1
