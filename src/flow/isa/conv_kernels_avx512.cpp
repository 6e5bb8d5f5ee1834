// The convolution kernels for AVX-512F + FMA (8 doubles a pack), compiled with
// -mavx512f -mfma; called only where the CPU has both (core/simd_dispatch.cpp).
#define FLOWLAT_KERNEL_NAMESPACE simd_avx512
#include "../conv_kernels.hpp"

#if !defined(__AVX512F__) || !defined(__FMA__)
#error "conv_kernels_avx512.cpp needs -mavx512f -mfma"
#endif

namespace flowlat {
const ConvKernels& conv_kernels_avx512() { return simd_avx512::kConvKernels; }
}  // namespace flowlat
