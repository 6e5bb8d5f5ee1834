// Site masks of the real-scalar couplings.
#include "flowlat/flow/site_mask.hpp"

namespace flowlat {

SiteMask SiteMask::checkerboard(const Geometry& geometry, int frozen_parity) {
  Kokkos::View<int*, MemSpace> frozen("mask.frozen", geometry.volume());
  auto h = Kokkos::create_mirror_view(frozen);
  for (index_t x = 0; x < geometry.volume(); ++x)
    h(x) = geometry.parity(x) == frozen_parity ? 1 : 0;
  Kokkos::deep_copy(frozen, h);
  return SiteMask(frozen, "checkerboard, frozen parity " + std::to_string(frozen_parity));
}

}  // namespace flowlat
