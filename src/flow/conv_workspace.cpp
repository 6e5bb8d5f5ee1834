// ConvWorkspace: buffers that only grow.
#include "flowlat/flow/conv_workspace.hpp"

namespace flowlat {

double* ConvWorkspace::get_doubles(Slot slot, index_t count) {
  auto& buffer = buffers_[slot];
  if (index_t(buffer.extent(0)) < count)
    buffer = Kokkos::View<double*, MemSpace>(
        Kokkos::view_alloc("flow.conv_workspace", Kokkos::WithoutInitializing), count);
  return buffer.data();
}

}  // namespace flowlat
