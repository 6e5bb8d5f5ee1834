// The convolution kernels of the instruction set in use (simd_path()), in
// host builds; device builds (and FLOWLAT_SIMD_DISPATCH=OFF) call their one
// set directly (stencil_conv.cpp).
#include "conv_kernel_args.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/simd_dispatch.hpp"

namespace flowlat {

#ifdef FLOWLAT_SIMD_DISPATCH
const ConvKernels& active_conv_kernels() {
  switch (simd_path()) {
#ifdef FLOWLAT_SIMD_HAVE_AVX2
    case SimdPath::Avx2:
      return conv_kernels_avx2();
#endif
#ifdef FLOWLAT_SIMD_HAVE_AVX512
    case SimdPath::Avx512:
      return conv_kernels_avx512();
#endif
    case SimdPath::Baseline:
      return conv_kernels_baseline();
    default:  // simd_path() returns only built paths
      throw RuntimeFailure(std::string("no convolution kernels for ") +
                           simd_path_name(simd_path()));
  }
}
#endif

}  // namespace flowlat
