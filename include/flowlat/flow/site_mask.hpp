// Which sites a coupling layer of a real scalar field keeps frozen: a table
// frozen(site) on the device and a description for model files. The
// checkerboard (frozen parity p) is the mask of the affine couplings.
#pragma once
#include <string>

#include "flowlat/core/types.hpp"
#include "flowlat/lattice/geometry.hpp"

namespace flowlat {

class SiteMask {
 public:
  // Sites with parity == frozen_parity are frozen.
  static SiteMask checkerboard(const Geometry& geometry, int frozen_parity);

  // 1 where the site is frozen (feeds the network), 0 where it is updated.
  Kokkos::View<int*, MemSpace> frozen() const { return frozen_; }
  const std::string& description() const { return description_; }

 private:
  SiteMask(Kokkos::View<int*, MemSpace> frozen, std::string description)
      : frozen_(std::move(frozen)), description_(std::move(description)) {}
  Kokkos::View<int*, MemSpace> frozen_;
  std::string description_;
};

}  // namespace flowlat
