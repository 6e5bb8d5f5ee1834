// Activations of the flow networks: a batch of multi-channel lattice fields.
#pragma once
#include "flowlat/core/types.hpp"

namespace flowlat {

// [batch][channel][site], sites row-major as in Geometry. A single-channel
// Tensor has the memory layout of a Field [batch][site]. The networks run in
// float or double (flow.precision); everything around them is double.
template <class T>
using TensorOf = Kokkos::View<T***, Kokkos::LayoutRight, MemSpace>;
using Tensor = TensorOf<real_t>;

}  // namespace flowlat
