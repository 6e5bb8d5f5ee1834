// Stripes of period 4 across direction nu = 1 - mu.
#include "flowlat/theory/u1/u1_gauge_mask.hpp"

#include "flowlat/core/error.hpp"

namespace flowlat {

U1GaugeMask::U1GaugeMask(const Geometry& geometry, int mu, int offset)
    : mu_(mu), offset_(offset), role_("u1mask.role", geometry.volume()) {
  if (geometry.dim() != 2)
    throw InputError("lattice.shape: the gauge-equivariant U(1) flow is two-dimensional, got " +
                     geometry.shape_string());
  if (geometry.extent(0) % 4 != 0 || geometry.extent(1) % 4 != 0)
    throw InputError("lattice.shape: the gauge-equivariant flow's masks repeat every 4 sites, so "
                     "both extents must be multiples of 4, got " +
                     geometry.shape_string());
  const int nu = 1 - mu;
  auto h = Kokkos::create_mirror_view(role_);
  for (index_t x = 0; x < geometry.volume(); ++x) {
    const int stripe = ((geometry.coords(x)[nu] - offset) % 4 + 4) % 4;
    h(x) = stripe == 0 ? Active : (stripe == 3 ? Passive : Frozen);
  }
  Kokkos::deep_copy(role_, h);
}

std::string U1GaugeMask::description() const {
  return "links of direction " + std::to_string(mu_) + " at x_" + std::to_string(1 - mu_) +
         " = " + std::to_string(offset_) + " mod 4";
}

}  // namespace flowlat
