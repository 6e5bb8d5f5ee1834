// The convolution kernels for the build's baseline instruction set (SSE2 on
// x86-64 unless FLOWLAT_NATIVE_ARCH): the path every CPU the binary was
// built for can run. No Kokkos and no std here (cmake/FlowlatSimdKernels.cmake).
#define FLOWLAT_KERNEL_NAMESPACE simd_baseline
#include "../conv_kernels.hpp"

namespace flowlat {
const ConvKernels& conv_kernels_baseline() { return simd_baseline::kConvKernels; }
}  // namespace flowlat
