// The mask of one gauge-equivariant coupling layer (Kanwar et al. 2020, 2D):
// for direction mu and offset off (nu = 1 - mu), the links of direction mu
// on sites with x_nu = off (mod 4) are updated, each through the plaquette
// P(x) it opens (theta_0(x) enters P(x) with +1, theta_1(x) with -1). The
// plaquettes with x_nu = off (mod 4) are active, off+1 and off+2 frozen (they
// hold no updated link and condition the network), off+3 passive (they hold
// updated links but are not transformed themselves). Extents must be
// multiples of 4.
#pragma once
#include <string>

#include "flowlat/core/types.hpp"
#include "flowlat/lattice/geometry.hpp"

namespace flowlat {

class U1GaugeMask {
 public:
  enum Role : int { Frozen = 0, Active = 1, Passive = 2 };

  // InputError naming lattice.shape unless d = 2 and both extents are
  // multiples of 4.
  U1GaugeMask(const Geometry& geometry, int mu, int offset);

  int mu() const { return mu_; }
  int offset() const { return offset_; }
  // Role of the plaquette P(x), per site.
  Kokkos::View<int*, MemSpace> plaquette_role() const { return role_; }
  // The sign the updated link of plaquette x enters it with: +1 (mu = 0), -1 (mu = 1).
  int sign() const { return mu_ == 0 ? 1 : -1; }
  std::string description() const;

 private:
  int mu_, offset_;
  Kokkos::View<int*, MemSpace> role_;
};

}  // namespace flowlat
