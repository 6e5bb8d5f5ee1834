// The circle maps a gauge-equivariant U(1) coupling can use, as types the
// coupling template takes (flow/circle_map.hpp has the maps, their partial
// derivatives and inverses): the tutorial's NCP mixture and the circular
// rational-quadratic spline.
#pragma once
#include "flowlat/flow/circle_map.hpp"

namespace flowlat {

struct NcpCircleMap {
  static const char* name() { return "ncp"; }
  static int param_count(int components) { return ncp_param_count(components); }
  KOKKOS_INLINE_FUNCTION static void evaluate(real_t x, const real_t* p, int K,
                                              CircleMapPartials& m) {
    ncp_evaluate(x, p, K, m);
  }
  KOKKOS_INLINE_FUNCTION static real_t inverse(real_t y, const real_t* p, int K) {
    return ncp_inverse(y, p, K);
  }
};

struct SplineCircleMap {
  static const char* name() { return "spline"; }
  static int param_count(int bins) { return spline_param_count(bins); }
  KOKKOS_INLINE_FUNCTION static void evaluate(real_t x, const real_t* p, int K,
                                              CircleMapPartials& m) {
    spline_evaluate(x, p, K, m);
  }
  KOKKOS_INLINE_FUNCTION static real_t inverse(real_t y, const real_t* p, int K) {
    return spline_inverse(y, p, K);
  }
};

}  // namespace flowlat
