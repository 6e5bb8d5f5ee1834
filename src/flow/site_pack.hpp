// Values (float or double) at kPackWidth<T, B> consecutive sites of one row: the
// unit the convolution kernels load, multiply and add. On the host one pack is
// one SIMD register of the target (GCC/Clang vector types: 2 doubles or 4
// floats for SSE2/NEON, 4 or 8 with AVX, 8 or 16 with AVX-512); written with
// plain arrays and loops GCC vectorises the channel loops around each update
// instead, with shuffles, several times slower. GPU
// compilers get one site per thread (as does a host build with
// -DFLOWLAT_PLAIN_SITE_PACKS, to test that path; -DFLOWLAT_PACK_WIDTH=w
// widens its plain array).
//
// The width follows the flags of the including file: on the host that is one
// of src/flow/isa/ (each built for its own instruction set, without Kokkos),
// in device builds (or FLOWLAT_SIMD_DISPATCH=OFF) stencil_conv.cpp.
// Everything here has internal linkage in a namespace named after the file's
// instruction set, so the linker never swaps one file's AVX copy of a helper
// for another's SSE2 copy, and objdump shows which code is whose.
#pragma once
#include "flowlat/core/scalar.hpp"

#ifdef FLOWLAT_KERNEL_NAMESPACE  // a file of src/flow/isa/: no Kokkos
#define FLOWLAT_KERNEL_FN inline
#else  // stencil_conv.cpp of a device build (or FLOWLAT_SIMD_DISPATCH=OFF)
#include <Kokkos_Core.hpp>
#define FLOWLAT_KERNEL_NAMESPACE inline_kernels
#define FLOWLAT_KERNEL_FN KOKKOS_INLINE_FUNCTION
#define FLOWLAT_KERNELS_INLINE
#endif

namespace flowlat::FLOWLAT_KERNEL_NAMESPACE {
namespace {

#if defined(__GNUC__) && !defined(__CUDACC__) && !defined(__HIPCC__) && \
    !defined(SYCL_LANGUAGE_VERSION) && !defined(FLOWLAT_PLAIN_SITE_PACKS)
#define FLOWLAT_SITE_PACK_VECTORS  // SitePack::v is a GCC vector
// Bytes of one SIMD register: a pack holds 2 doubles or 4 floats with SSE2,
// 4 or 8 with AVX, 8 or 16 with AVX-512. Kernels are also built on packs of
// half that (kHalfVectorBytes, at least 16): a lattice row of 8 sites fills
// an AVX-512 pack of doubles but only half of one of floats.
#if defined(__AVX512F__)
inline constexpr int kVectorBytes = 64;
#elif defined(__AVX__)
inline constexpr int kVectorBytes = 32;
#else
inline constexpr int kVectorBytes = 16;
#endif
inline constexpr int kHalfVectorBytes = kVectorBytes > 16 ? kVectorBytes / 2 : 16;
template <class T, int B>
inline constexpr int kPackWidth = B / int(sizeof(T));
// Before the short loops over a kernel's accumulators: unrolled, each
// accumulator stays in a register; as a loop GCC keeps them in an array in
// memory and every multiply-add waits for a store and a reload.
#define FLOWLAT_UNROLL _Pragma("GCC unroll 16")
// Weights stored as kWeightLanes copies: SSE2 has no broadcast load, and a
// shuffle per weight would compete with the multiplies for the same ports.
#if defined(__AVX__) || !defined(__x86_64__)
template <class T, int B>
inline constexpr int kWeightLanes = 1;
#else
template <class T, int B>
inline constexpr int kWeightLanes = kPackWidth<T, B>;
#endif

template <class T, int B>
struct SitePack {
  typedef T Vector __attribute__((vector_size(B)));
  Vector v;

  static SitePack load(const T* p) {
    SitePack r;
    __builtin_memcpy(&r.v, p, sizeof r.v);  // unaligned packed load
    return r;
  }
  static SitePack splat(T a) {  // a broadcast: a - 0 is a, also a = -0 (a + 0 is +0)
    SitePack r;
    r.v = a - Vector{};
    return r;
  }
  // A weight stored as kWeightLanes copies at p.
  static SitePack weight(const T* p) {
    if constexpr (kWeightLanes<T, B> == kPackWidth<T, B>)
      return load(p);
    else
      return splat(*p);
  }
  void add_scaled(const SitePack& w, const SitePack& x) { v += w.v * x.v; }
  void add_scaled(T w, const SitePack& x) { v += w * x.v; }  // this += w * x
  void add_product(const SitePack& a, const SitePack& b) { v += a.v * b.v; }
  T lane(int s) const { return v[s]; }
  void set_lane(int s, T value) { v[s] = value; }
  void store(T* p) const { __builtin_memcpy(p, &v, sizeof v); }
  // Lane-wise: where this > 0, a, else b.
  SitePack where_positive(const SitePack& a, const SitePack& b) const {
    return SitePack{v > 0 ? a.v : b.v};
  }
  friend SitePack operator*(const SitePack& a, const SitePack& b) { return SitePack{a.v * b.v}; }
  friend SitePack operator-(const SitePack& a, const SitePack& b) { return SitePack{a.v - b.v}; }
  friend SitePack operator+(const SitePack& a, const SitePack& b) { return SitePack{a.v + b.v}; }
};
#else
// One width (B is not used): one site per thread, or FLOWLAT_PACK_WIDTH.
#define FLOWLAT_UNROLL  // device compilers unroll short constant loops themselves
inline constexpr int kVectorBytes = 8;
inline constexpr int kHalfVectorBytes = 8;
template <class T, int B>
inline constexpr int kWeightLanes = 1;
#ifdef FLOWLAT_PACK_WIDTH
template <class T, int B>
inline constexpr int kPackWidth = FLOWLAT_PACK_WIDTH;
#else
template <class T, int B>
inline constexpr int kPackWidth = 1;
#endif

template <class T, int B>
struct SitePack {
  static constexpr int kWidth = kPackWidth<T, B>;
  T v[kWidth];

  FLOWLAT_KERNEL_FN static SitePack load(const T* p) {
    SitePack r;
    for (int s = 0; s < kWidth; ++s) r.v[s] = p[s];
    return r;
  }
  FLOWLAT_KERNEL_FN static SitePack splat(T a) {
    SitePack r;
    for (int s = 0; s < kWidth; ++s) r.v[s] = a;
    return r;
  }
  FLOWLAT_KERNEL_FN static SitePack weight(const T* p) { return splat(*p); }
  FLOWLAT_KERNEL_FN void add_scaled(T w, const SitePack& x) {
    for (int s = 0; s < kWidth; ++s) v[s] += w * x.v[s];
  }
  FLOWLAT_KERNEL_FN void add_scaled(const SitePack& w, const SitePack& x) {
    for (int s = 0; s < kWidth; ++s) v[s] += w.v[s] * x.v[s];
  }
  FLOWLAT_KERNEL_FN void add_product(const SitePack& a, const SitePack& b) {
    for (int s = 0; s < kWidth; ++s) v[s] += a.v[s] * b.v[s];
  }
  FLOWLAT_KERNEL_FN T lane(int s) const { return v[s]; }
  FLOWLAT_KERNEL_FN void set_lane(int s, T value) { v[s] = value; }
  FLOWLAT_KERNEL_FN void store(T* p) const {
    for (int s = 0; s < kWidth; ++s) p[s] = v[s];
  }
  FLOWLAT_KERNEL_FN SitePack where_positive(const SitePack& a, const SitePack& b) const {
    SitePack r;
    for (int s = 0; s < kWidth; ++s) r.v[s] = v[s] > 0 ? a.v[s] : b.v[s];
    return r;
  }
  FLOWLAT_KERNEL_FN friend SitePack operator*(const SitePack& a, const SitePack& b) {
    SitePack r;
    for (int s = 0; s < kWidth; ++s) r.v[s] = a.v[s] * b.v[s];
    return r;
  }
  FLOWLAT_KERNEL_FN friend SitePack operator-(const SitePack& a, const SitePack& b) {
    SitePack r;
    for (int s = 0; s < kWidth; ++s) r.v[s] = a.v[s] - b.v[s];
    return r;
  }
  FLOWLAT_KERNEL_FN friend SitePack operator+(const SitePack& a, const SitePack& b) {
    SitePack r;
    for (int s = 0; s < kWidth; ++s) r.v[s] = a.v[s] + b.v[s];
    return r;
  }
};
#endif

// The first len lanes from p, the rest 0 (p[len..] is never read).
template <class T, int B>
FLOWLAT_KERNEL_FN SitePack<T, B> load_partial(const T* p, int len) {
  if (len == kPackWidth<T, B>) return SitePack<T, B>::load(p);
  SitePack<T, B> r = SitePack<T, B>::splat(0);
  for (int s = 0; s < len; ++s) r.set_lane(s, p[s]);
  return r;
}

// The first len lanes of x to p (p[len..] untouched).
template <class T, int B>
FLOWLAT_KERNEL_FN void store_partial(T* p, const SitePack<T, B>& x, int len) {
  if (len == kPackWidth<T, B>) return x.store(p);
  for (int s = 0; s < len; ++s) p[s] = x.lane(s);
}

// Lanes in order, so a sum does not depend on the pack width's grouping.
template <class T, int B>
FLOWLAT_KERNEL_FN T lane_sum(const SitePack<T, B>& p) {
  T total = 0;
  for (int s = 0; s < kPackWidth<T, B>; ++s) total += p.lane(s);
  return total;
}

}  // namespace
}  // namespace flowlat::FLOWLAT_KERNEL_NAMESPACE
