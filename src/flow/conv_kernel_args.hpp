// What crosses from StencilConv (Kokkos Views) into the convolution kernels,
// which are compiled once per instruction set without Kokkos (src/flow/isa/):
// plain pointers and sizes, and the table of one instruction set's kernels.
#pragma once
#include "flowlat/core/scalar.hpp"

namespace flowlat {

// Activation's values, without Activation's header (it needs Kokkos).
enum class KernelActivation : int { Identity, LeakyReLU, Tanh };

// The lattice cut into slots of pack_width sites along each row (the last
// slot of a row is short when pack_width does not divide the row length).
struct SlotLayout {
  const index_t* row_starts;  // [row]: padded index of the row's first site
  index_t per_row;            // slots per row
  index_t per_config;         // slots per configuration
  int row_length;
};

// dst(b, c, x) = epilogue(sum_{c', o} w(c', o, c) src(b, c', x + shifts[o])),
// in T = float or double (flow.precision).
template <class T>
struct GatherKernelArgs {
  const T* weights;       // [c'][o][c], each weight_lanes times
  const T* bias;          // forward: [c], the start of each sum; else null
  const T* src;           // [b][c'][padded site]
  T* dst;                 // [b][c][site]
  const T* slope_source;  // input gradient: the layer input [b][c][site]; else null
  const index_t* shifts;  // [o], in the padded tensor
  index_t src_config_stride, src_channel_stride;
  index_t dst_config_stride, dst_channel_stride;
  index_t slope_config_stride, slope_channel_stride;
  SlotLayout slots;
  index_t slots_total;  // slots of the batch: n configs x slots.per_config
  int src_channels, dst_channels, n_offsets;
  int block;  // channels per accumulator block: 8, 4, 2 or 1, dividing dst_channels
  KernelActivation act;
  T leaky_slope;
  bool forward;  // epilogue: activation (forward) or its slope (input gradient)
};

// part[blk][row][co] = sum over block blk of d_padded(b, co, y + mirrored[o]) in(b, ci, y),
// row = ci * n_offsets + o; the last row (the bias) sums d alone. Block blk is
// the lattice rows blk * block_rows ... of the batch, in (config, row) order.
template <class T>
struct WeightGradKernelArgs {
  const T* in;        // [b][ci][site]
  const T* d_padded;  // [b][co][padded site]
  T* part;            // [blk][rows][c_out]
  const index_t* mirrored;
  index_t in_config_stride, in_channel_stride;
  index_t d_config_stride, d_channel_stride;
  SlotLayout slots;
  index_t block_rows, batch_rows;  // lattice rows per block; in the batch
  index_t rows;                    // c_in * n_offsets + 1
  int n_offsets, c_out, channel_blocks;   // channel_blocks = c_out / block
  int block;
};

template <class T>
using GatherItemFn = void (*)(const GatherKernelArgs<T>&, index_t group);
template <class T>
using WeightGradItemFn = void (*)(const WeightGradKernelArgs<T>&, index_t blk, index_t item);

// One instruction set's kernels for one scalar type. A gather work item
// (group) computes every channel at gather_slots[log2 block] consecutive
// slots of the batch (slots in (config, slot) order, so a group may span two
// configs); a weight-gradient work item (blk, item) one (row, channel block)
// of block blk.
template <class T>
struct ConvKernelsOf {
  int pack_width;    // sites per SIMD pack
  int weight_lanes;  // copies of each gather weight (SSE2 has no broadcast load)
  int gather_max_block;   // the widest channel block of a gather: 4 or 8
  int gather_slots[4];    // slots of a gather work item, blocks 1, 2, 4, 8 (or 4)
  GatherItemFn<T> gather;
  WeightGradItemFn<T> weight_grad;

  // Slots of a gather work item for a channel block of 1, 2, 4 or 8.
  constexpr int gather_slots_of(int block) const {
    return gather_slots[block >= 8 ? 3 : block >= 4 ? 2 : block >= 2 ? 1 : 0];
  }
};

// One instruction set's kernels, in both precisions, each on packs of the
// full register width ([0]) and of half of it ([1]; the same where the
// register is 16 bytes).
struct ConvKernels {
  ConvKernelsOf<double> f64[2];
  ConvKernelsOf<float> f32[2];

  // Those for lattice rows of row_length sites: the widest packs a row
  // fills (a pack wider than the row wastes its extra lanes and takes the
  // lane-by-lane partial loads), else the narrowest.
  template <class T>
  constexpr const ConvKernelsOf<T>& of(int row_length) const {
    const ConvKernelsOf<T>* variants;
    if constexpr (sizeof(T) == sizeof(float))
      variants = f32;
    else
      variants = f64;
    return variants[0].pack_width <= row_length ? variants[0] : variants[1];
  }
};

// Packs a weight-gradient work item keeps in registers (fixed: it sets the
// summation blocks, which must not depend on the instruction set more than the
// pack width does), and those of a gather on a device (one site per thread).
inline constexpr int kConvAccumulators = 8;
inline constexpr int kMaxPackWidth = 16;     // loads read this far past a row's end

// The kernels of each instruction set built into the binary (src/flow/isa/).
const ConvKernels& conv_kernels_baseline();
const ConvKernels& conv_kernels_avx2();
const ConvKernels& conv_kernels_avx512();
// Those of the path in use (simd_path()).
const ConvKernels& active_conv_kernels();

}  // namespace flowlat
