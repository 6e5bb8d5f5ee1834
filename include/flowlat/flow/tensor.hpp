// Activations of the flow networks: a batch of multi-channel lattice fields.
#pragma once
#include "flowlat/core/types.hpp"

namespace flowlat {

// [batch][channel][site], sites row-major as in Geometry. A single-channel
// Tensor has the memory layout of a Field [batch][site].
using Tensor = Kokkos::View<real_t***, Kokkos::LayoutRight, MemSpace>;

}  // namespace flowlat
