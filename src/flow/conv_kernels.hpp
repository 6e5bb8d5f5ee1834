// The work items of the periodic stencil convolution (StencilConv): the gather
// shared by the forward pass and the input gradient, and the weight-gradient
// block sums, on SitePacks of the including file's instruction set. Included
// once by each file of src/flow/isa/ (host builds: one copy per instruction
// set, picked at run time) and by stencil_conv.cpp in device builds (and
// with FLOWLAT_SIMD_DISPATCH=OFF).
#pragma once
#include "conv_kernel_args.hpp"
#include "site_pack.hpp"

#ifdef FLOWLAT_KERNELS_INLINE
#include "flowlat/core/math.hpp"
#endif

namespace flowlat::FLOWLAT_KERNEL_NAMESPACE {
namespace {

static_assert(kPackWidth<float, kVectorBytes> <= kMaxPackWidth,
              "loads past a row stay in the padded tensor");

FLOWLAT_KERNEL_FN double kernel_tanh(double x) {
#ifdef FLOWLAT_KERNELS_INLINE
  return math::tanh(x);
#else
  return __builtin_tanh(x);  // libm's tanh, as std::tanh
#endif
}
FLOWLAT_KERNEL_FN float kernel_tanh(float x) {
#ifdef FLOWLAT_KERNELS_INLINE
  return math::tanh(x);
#else
  return __builtin_tanhf(x);  // libm's tanhf, as std::tanh(float)
#endif
}

#ifdef FLOWLAT_SITE_PACK_VECTORS
// tanh of every lane of a float pack at once (libm's tanhf takes one lane at
// a time: 16 % of a float32 forward pass). Cephes' tanhf and expf: for
// |x| < 0.625, x + x^3 P(x^2); else sign(x) (1 - 2 / (e^{2|x|} + 1)) with
// e^y = 2^n e^r (|r| <= ln 2 / 2, r by a two-part ln 2) and e^r a degree-7
// polynomial; 2|x| is capped at 20 (tanh = 1 in float beyond 9). About 2 ulp
// (tests/flow/test_conv_net.cpp); NaN stays NaN (the samplers reject it).
template <int B>
inline SitePack<float, B> tanh_pack(const SitePack<float, B>& x) {
  using V = typename SitePack<float, B>::Vector;
  typedef int IV __attribute__((vector_size(B)));
  const V zero{};
  const V ax = x.v < 0 ? -x.v : x.v;
  // small |x|
  const V z = x.v * x.v;
  const V small =
      ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z +
        1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x.v + x.v;
  // large |x|: e^y, y = 2|x| in [0, 20]
  V y = ax + ax;
  y = y > 20.0f ? zero + 20.0f : y;
  const IV n = __builtin_convertvector(y * 1.44269504088896341f + 0.5f, IV);  // y >= 0: floor
  const V nf = __builtin_convertvector(n, V);
  const V r = (y - nf * 0.693359375f) + nf * 2.12194440e-4f;
  const V r2 = r * r;
  const V er = (((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r +
                  4.1665795894e-2f) * r + 1.6666665459e-1f) * r + 5.0000001201e-1f) * r2 + r +
               1.0f;
  const IV bits = (n + 127) << 23;
  V scale;
  __builtin_memcpy(&scale, &bits, sizeof scale);
  const V big = 1.0f - 2.0f / (er * scale + 1.0f);
  V t = ax < 0.625f ? small : (x.v < 0 ? -big : big);
  t = x.v == x.v ? t : x.v;  // NaN in, NaN out
  return SitePack<float, B>{t};
}
#endif

// ---- slots: kPackWidth<T, B> consecutive sites of one row -------------------------
// The last slot of a row is short when the pack width does not divide the row
// length. Its loads run a few lanes past the row (into the halo or the padded
// tensor's slack: finite values), and those lanes are never stored or summed.

// ---- activations lane by lane ----------------------------------------------------
// activate() and activation_slope_from_output() (activation.hpp) on a pack,
// with the same arithmetic; the switch stays outside the lanes.
template <KernelActivation kAct, class T, int B>
FLOWLAT_KERNEL_FN SitePack<T, B> activate_as(T leaky_slope, const SitePack<T, B>& pre) {
  if constexpr (kAct == KernelActivation::LeakyReLU) {
    return pre.where_positive(pre, SitePack<T, B>::splat(leaky_slope) * pre);
  } else if constexpr (kAct == KernelActivation::Tanh) {
#ifdef FLOWLAT_SITE_PACK_VECTORS
    if constexpr (sizeof(T) == sizeof(float)) return tanh_pack(pre);
#endif
    SitePack<T, B> r;
    for (int s = 0; s < kPackWidth<T, B>; ++s) r.set_lane(s, kernel_tanh(pre.lane(s)));
    return r;
  } else {
    return pre;
  }
}

template <class T, int B>
FLOWLAT_KERNEL_FN SitePack<T, B> activate_pack(KernelActivation act, T leaky_slope,
                                            const SitePack<T, B>& pre) {
  switch (act) {
    case KernelActivation::LeakyReLU:
      return activate_as<KernelActivation::LeakyReLU>(leaky_slope, pre);
    case KernelActivation::Tanh:
      return activate_as<KernelActivation::Tanh>(leaky_slope, pre);
    default:
      return pre;
  }
}

// f'(pre) * g with f' taken from post = f(pre).
template <class T, int B>
FLOWLAT_KERNEL_FN SitePack<T, B> times_slope(KernelActivation act, T leaky_slope,
                                          const SitePack<T, B>& post, const SitePack<T, B>& g) {
  switch (act) {
    case KernelActivation::LeakyReLU:
      return post.where_positive(SitePack<T, B>::splat(1), SitePack<T, B>::splat(leaky_slope)) * g;
    case KernelActivation::Tanh:
      return (SitePack<T, B>::splat(1) - post * post) * g;
    default:
      return g;
  }
}

// ---- the gather shared by forward and the input gradient ----------------------
// With the weights arranged [c'][o][c]: forward c' = ci, c = co, shifts the
// stencil offsets, epilogue bias + activation; input gradient c' = co, c = ci,
// shifts the mirrored offsets, epilogue the slope of the input's activation.
//
// A work item computes kBlock channels at a time at kSlots slots of the batch
// (consecutive in (config, slot) order): kBlock x kSlots accumulators stay in
// registers, each loaded input pack is used for kBlock channels and each
// weight for kSlots packs. The register budget: with 16 vector registers
// (SSE2, AVX2) kBlock x kSlots accumulators, kSlots inputs and one weight
// must fit, so 4 channels x 3 slots (2 x 5, 1 x 7): per stencil offset 3
// input and 4 weight loads feed 12 multiply-adds and each accumulator waits 6
// cycles between them, longer than an FMA's latency, so the FMA ports set the
// pace (8 channels x 1 slot fed 8 multiply-adds with 9 loads: load-bound, and
// every chain waited on the FMA latency). AVX-512 (32 registers) and devices
// keep 8 accumulators (8 x 1, 4 x 2, ...).
#if defined(FLOWLAT_SITE_PACK_VECTORS) && !defined(__AVX512F__)
inline constexpr int kGatherMaxBlock = 4;
template <int kBlock>
inline constexpr int kGatherSlots = 15 / (kBlock + 1);
#else
inline constexpr int kGatherMaxBlock = 8;
template <int kBlock>
inline constexpr int kGatherSlots = kConvAccumulators / kBlock;
#endif

// The epilogue of one accumulator: activation (forward) or the slope of the
// input's activation (input gradient), then the store.
template <class T, int B>
FLOWLAT_KERNEL_FN void gather_epilogue(const GatherKernelArgs<T>& a, SitePack<T, B> r, int c,
                                       index_t dst_at, index_t slope_at, int len) {
  if (a.forward) {
    r = activate_pack(a.act, a.leaky_slope, r);
  } else if (a.act != KernelActivation::Identity) {  // else there is no slope source
    const T* post = a.slope_source + slope_at + c * a.slope_channel_stride;
    r = times_slope(a.act, a.leaky_slope, load_partial<T, B>(post, len), r);
  }
  store_partial(a.dst + dst_at + c * a.dst_channel_stride, r, len);
}

// The forward epilogue of a work item whose kSlots slots are all whole
// packs: bias already in, activation kAct, plain stores.
template <KernelActivation kAct, class T, int B, int kBlock, int kSlots>
FLOWLAT_KERNEL_FN void store_activated(const GatherKernelArgs<T>& a,
                                       SitePack<T, B> (&acc)[kBlock][kSlots], int c0,
                                       const index_t (&dst_at)[kSlots]) {
  T* const dst = a.dst + c0 * a.dst_channel_stride;
  const index_t stride = a.dst_channel_stride;
  const T slope = a.leaky_slope;
  FLOWLAT_UNROLL
  for (int t = 0; t < kSlots; ++t)
    FLOWLAT_UNROLL
    for (int j = 0; j < kBlock; ++j)
      activate_as<kAct>(slope, acc[j][t]).store(dst + j * stride + dst_at[t]);
}

template <class T, int B, int kBlock>
FLOWLAT_KERNEL_FN void gather_item(const GatherKernelArgs<T>& a, index_t group) {
  using Pack = SitePack<T, B>;
  constexpr int kLanes = kWeightLanes<T, B>;
  constexpr int kWidth = kPackWidth<T, B>;
  constexpr int kSlots = kGatherSlots<kBlock>;
  const SlotLayout& g = a.slots;
  const index_t total = a.slots_total, first = group * kSlots;
  const int live = total - first < kSlots ? int(total - first) : kSlots;
  // Per slot: the config's offsets plus the slot's (padded) site, stepped from
  // the first slot's (config, row, slot in the row): two divisions per item,
  // not three per slot (64-bit divisions cost as much as the layer's
  // multiply-adds on a 1-channel input). Past the last slot of the batch: the
  // last one again, stored nowhere.
  index_t src_at[kSlots], dst_at[kSlots], slope_at[kSlots];
  int len[kSlots];
  const index_t rows_per_config = g.per_config / g.per_row;
  index_t b = first / g.per_config, row = (first - b * g.per_config) / g.per_row;
  int x0 = int(first - b * g.per_config - row * g.per_row) * kWidth;
  FLOWLAT_UNROLL
  for (int t = 0; t < kSlots; ++t) {
    const index_t padded = g.row_starts[row] + x0, site = row * g.row_length + x0;
    src_at[t] = b * a.src_config_stride + padded;
    dst_at[t] = b * a.dst_config_stride + site;
    slope_at[t] = b * a.slope_config_stride + site;
    len[t] = g.row_length - x0 < kWidth ? g.row_length - x0 : kWidth;
    if (t + 1 < live) {  // the next slot
      x0 += kWidth;
      if (x0 >= g.row_length) {
        x0 = 0;
        if (++row == rows_per_config) {
          row = 0;
          ++b;
        }
      }
    }
  }
  bool whole = live == kSlots;
  FLOWLAT_UNROLL
  for (int t = 0; t < kSlots; ++t) whole = whole && len[t] == kWidth;
  for (int c0 = 0; c0 < a.dst_channels; c0 += kBlock) {
    Pack acc[kBlock][kSlots];
    FLOWLAT_UNROLL
    for (int j = 0; j < kBlock; ++j) {
      const Pack start = Pack::splat(a.bias ? a.bias[c0 + j] : T(0));
      FLOWLAT_UNROLL
      for (int t = 0; t < kSlots; ++t) acc[j][t] = start;
    }
    const T* w = a.weights + c0 * kLanes;
    for (int cs = 0; cs < a.src_channels; ++cs) {
      const T* src = a.src + cs * a.src_channel_stride;
      for (int o = 0; o < a.n_offsets; ++o, w += a.dst_channels * kLanes) {
        const T* shifted = src + a.shifts[o];
        Pack v[kSlots];
        FLOWLAT_UNROLL
        for (int t = 0; t < kSlots; ++t) v[t] = Pack::load(shifted + src_at[t]);
        FLOWLAT_UNROLL
        for (int j = 0; j < kBlock; ++j) {
          const Pack wj = Pack::weight(w + j * kLanes);
          FLOWLAT_UNROLL
          for (int t = 0; t < kSlots; ++t) acc[j][t].add_scaled(wj, v[t]);
        }
      }
    }
    // Forward with every slot a whole live pack (the usual case): the
    // activation a template argument and plain stores. With the activation
    // switch and the partial-store test inside each accumulator's epilogue,
    // every accumulator went through memory and a jump table, and the
    // epilogues cost almost as much as the multiply-adds of a hidden layer.
    if (a.forward && whole) {
      switch (a.act) {
        case KernelActivation::LeakyReLU:
          store_activated<KernelActivation::LeakyReLU>(a, acc, c0, dst_at);
          break;
        case KernelActivation::Tanh:
          store_activated<KernelActivation::Tanh>(a, acc, c0, dst_at);
          break;
        default:
          store_activated<KernelActivation::Identity>(a, acc, c0, dst_at);
      }
      continue;
    }
    // Unrolled when every slot is live (the accumulators stay in registers).
    if (live == kSlots) {
      FLOWLAT_UNROLL
      for (int t = 0; t < kSlots; ++t)
        FLOWLAT_UNROLL
        for (int j = 0; j < kBlock; ++j)
          gather_epilogue(a, acc[j][t], c0 + j, dst_at[t], slope_at[t], len[t]);
    } else {
      for (int t = 0; t < live; ++t)
        for (int j = 0; j < kBlock; ++j)
          gather_epilogue(a, acc[j][t], c0 + j, dst_at[t], slope_at[t], len[t]);
    }
  }
}

// ---- weight gradients: partial sums of one block --------------------------------
template <class T, int B>
FLOWLAT_KERNEL_FN SitePack<T, B> ones(int len) {  // 1 in the first len lanes, then 0
  SitePack<T, B> r = SitePack<T, B>::splat(0);
  for (int s = 0; s < len; ++s) r.set_lane(s, 1);
  return r;
}

// A block is a run of block_rows lattice rows of the batch, taken in (config,
// row) order, so on a small lattice one block spans several configs. Work item
// (block, gradient row x channel block): kSlots lattice rows at a time, row
// r0 + t into accumulators t (independent additions, whatever the row length),
// pack by pack along the rows; the accumulators summed in a fixed order at the
// end. The (config, row) of each lattice row is stepped, not divided out, and
// the slots of a full group are unconditional: on 8-site rows the divisions,
// the dead-slot tests and the spills they caused cost more than the row's
// multiply-adds.
template <class T, int B, int kBlock>
struct WeightGradRows {
  using Pack = SitePack<T, B>;
  static constexpr int kSlots = kConvAccumulators / kBlock;
  const WeightGradKernelArgs<T>& a;
  const T* in;        // channel ci of config 0
  const T* d;         // channels c0.. of config 0, shifted
  index_t n_rows;     // lattice rows per config
  bool bias;
  index_t b, lattice_row;  // of the next row

  // The next row's input and (shifted, padded) output-gradient pointers.
  FLOWLAT_KERNEL_FN void next(const T*& x, const T*& g) {
    x = in + b * a.in_config_stride + lattice_row * a.slots.row_length;
    g = d + b * a.d_config_stride + a.slots.row_starts[lattice_row];
    if (++lattice_row == n_rows) {
      lattice_row = 0;
      ++b;
    }
  }
  // acc[j][t] += d_t(j) x_t over the packs of row t, t < kLive.
  template <int kLive>
  FLOWLAT_KERNEL_FN void add_rows(Pack (&acc)[kBlock][kSlots]) {
    constexpr int kWidth = kPackWidth<T, B>;
    const T* x[kLive];
    const T* g[kLive];
    FLOWLAT_UNROLL
    for (int t = 0; t < kLive; ++t) next(x[t], g[t]);
    const int L = a.slots.row_length;
    for (int x0 = 0; x0 < L; x0 += kWidth) {
      if (L - x0 >= kWidth)
        add_packs<kLive, true>(acc, x, g, x0, kWidth);
      else
        add_packs<kLive, false>(acc, x, g, x0, L - x0);
    }
  }
  // The packs at x0 of each row t < kLive; kFull: len = the pack width (a
  // plain load, which the general partial load would go through memory for).
  template <int kLive, bool kFull>
  FLOWLAT_KERNEL_FN void add_packs(Pack (&acc)[kBlock][kSlots], const T* const (&x)[kLive],
                                   const T* const (&g)[kLive], int x0, int len) {
    const index_t dc = a.d_channel_stride;
    FLOWLAT_UNROLL
    for (int t = 0; t < kLive; ++t) {
      Pack v;
      if constexpr (kFull)
        v = bias ? Pack::splat(1) : Pack::load(x[t] + x0);
      else
        v = bias ? ones<T, B>(len) : load_partial<T, B>(x[t] + x0, len);
      FLOWLAT_UNROLL
      for (int j = 0; j < kBlock; ++j) acc[j][t].add_product(Pack::load(g[t] + j * dc + x0), v);
    }
  }
  // The last rows of the block, fewer than kSlots.
  template <int kLive = kSlots - 1>
  FLOWLAT_KERNEL_FN void add_tail(Pack (&acc)[kBlock][kSlots], int live) {
    if constexpr (kLive > 0) {
      if (live == kLive) return add_rows<kLive>(acc);
      add_tail<kLive - 1>(acc, live);
    }
  }
};

template <class T, int B, int kBlock>
FLOWLAT_KERNEL_FN void weight_grad_item(const WeightGradKernelArgs<T>& a, index_t blk,
                                        index_t item) {
  using Rows = WeightGradRows<T, B, kBlock>;
  using Pack = typename Rows::Pack;
  constexpr int kSlots = Rows::kSlots;
  const index_t row = item / a.channel_blocks;  // (ci, o), or the bias
  const int c0 = int(item % a.channel_blocks) * kBlock;
  const bool bias = row == a.rows - 1;
  const index_t ci = bias ? 0 : row / a.n_offsets;
  const index_t shift = bias ? 0 : a.mirrored[row % a.n_offsets];
  const index_t n_rows = a.slots.per_config / a.slots.per_row;  // lattice rows per config
  const index_t first = blk * a.block_rows;
  const index_t last = first + a.block_rows < a.batch_rows ? first + a.block_rows : a.batch_rows;
  Rows rows{a,      a.in + ci * a.in_channel_stride, a.d_padded + c0 * a.d_channel_stride + shift,
            n_rows, bias,
            first / n_rows, first % n_rows};
  Pack acc[kBlock][kSlots];
  for (int j = 0; j < kBlock; ++j)
    for (int t = 0; t < kSlots; ++t) acc[j][t] = Pack::splat(0);
  index_t r0 = first;
  for (; r0 + kSlots <= last; r0 += kSlots) rows.template add_rows<kSlots>(acc);
  rows.add_tail(acc, int(last - r0));
  // the slots' packs added in slot order, then one sum over the lanes
  FLOWLAT_UNROLL
  for (int j = 0; j < kBlock; ++j) {
    Pack sum = acc[j][0];
    FLOWLAT_UNROLL
    for (int t = 1; t < kSlots; ++t) sum = sum + acc[j][t];
    a.part[(blk * a.rows + row) * a.c_out + c0 + j] = lane_sum(sum);
  }
}

// ---- entry points: the block size is a run-time argument --------------------------
template <class T, int B>
FLOWLAT_KERNEL_FN void gather_any_block(const GatherKernelArgs<T>& a, index_t group) {
  switch (a.block) {
    case 8:
      if constexpr (kGatherMaxBlock >= 8) return gather_item<T, B, 8>(a, group);
      break;
    case 4:
      return gather_item<T, B, 4>(a, group);
    case 2:
      return gather_item<T, B, 2>(a, group);
    default:
      break;
  }
  return gather_item<T, B, 1>(a, group);
}

template <class T, int B>
FLOWLAT_KERNEL_FN void weight_grad_any_block(const WeightGradKernelArgs<T>& a, index_t blk,
                                             index_t item) {
  switch (a.block) {
    case 8:
      return weight_grad_item<T, B, 8>(a, blk, item);
    case 4:
      return weight_grad_item<T, B, 4>(a, blk, item);
    case 2:
      return weight_grad_item<T, B, 2>(a, blk, item);
    default:
      return weight_grad_item<T, B, 1>(a, blk, item);
  }
}

// The table entry of packs of B bytes of T: their shape and the kernels
// (null in device builds, which call the kernels inline).
template <class T, int B>
constexpr ConvKernelsOf<T> conv_kernels_of(GatherItemFn<T> gather, WeightGradItemFn<T> grad) {
  return {kPackWidth<T, B>,
          kWeightLanes<T, B>,
          kGatherMaxBlock,
          {kGatherSlots<1>, kGatherSlots<2>, kGatherSlots<4>, kGatherSlots<kGatherMaxBlock>},
          gather,
          grad};
}

#ifndef FLOWLAT_KERNELS_INLINE
// This file's kernels, for the dispatch table.
template <class T, int B>
constexpr ConvKernelsOf<T> kConvKernelsOf =
    conv_kernels_of<T, B>(&gather_any_block<T, B>, &weight_grad_any_block<T, B>);
// Full-width packs first, then half-width ones (the same where the register
// is 16 bytes).
constexpr ConvKernels kConvKernels{
    {kConvKernelsOf<double, kVectorBytes>, kConvKernelsOf<double, kHalfVectorBytes>},
    {kConvKernelsOf<float, kVectorBytes>, kConvKernelsOf<float, kHalfVectorBytes>}};
#endif

}  // namespace
}  // namespace flowlat::FLOWLAT_KERNEL_NAMESPACE
