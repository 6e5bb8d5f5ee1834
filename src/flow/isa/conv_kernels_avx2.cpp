// The convolution kernels for AVX2 + FMA (4 doubles a pack), compiled with
// -mavx2 -mfma; called only where the CPU has both (core/simd_dispatch.cpp).
#define FLOWLAT_KERNEL_NAMESPACE simd_avx2
#include "../conv_kernels.hpp"

#if !defined(__AVX2__) || !defined(__FMA__)
#error "conv_kernels_avx2.cpp needs -mavx2 -mfma"
#endif

namespace flowlat {
const ConvKernels& conv_kernels_avx2() { return simd_avx2::kConvKernels; }
}  // namespace flowlat
