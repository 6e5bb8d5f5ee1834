// The iteration space of element-wise kernels over a batch of fields:
// (configuration, element) as a 2D range, so kernels need no index division.
// The element index runs fastest (Iterate::Right twice), matching the
// LayoutRight [batch][element] Views: the default order on CUDA would make the
// batch index fastest and stride every access by the number of elements.
// Kernels run on the current instance (exec_space.hpp).
#pragma once
#include "flowlat/core/exec_space.hpp"
#include "flowlat/core/types.hpp"

namespace flowlat {

using BatchSitePolicy =
    Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2, Kokkos::Iterate::Right, Kokkos::Iterate::Right>,
                          Kokkos::IndexType<index_t>>;

inline BatchSitePolicy batch_site_policy(index_t n_batch, index_t n_elements) {
  return BatchSitePolicy(exec_space(), {0, 0}, {n_batch, n_elements});
}

}  // namespace flowlat
