// StencilConv: forward, input gradient and weight gradient as gathers from
// tensors with a periodic halo; no atomics anywhere, so every result is
// deterministic.
#include "flowlat/flow/stencil_conv.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/philox.hpp"
#include "site_pack.hpp"

namespace flowlat {

namespace {
using FlatPolicy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<index_t>>;

// ---- slots: kPackWidth consecutive sites of one row ---------------------------
// A row of the lattice (along the last direction) is cut into slots; the last
// slot of a row is short when kPackWidth does not divide the row length. Its
// loads run a few lanes past the row (into the halo or the padded tensor's
// slack: finite values), and those lanes are never stored or summed.
struct Slot {
  index_t site;    // first site
  index_t padded;  // its index in a padded tensor
  int len;         // sites in the slot
};

static_assert(kPackWidth <= PeriodicHalo::kReadSlack, "loads past a row stay in the slack");

struct SlotGrid {
  SiteList row_starts;
  index_t per_row;  // slots per row
  int row_length;

  explicit SlotGrid(const PeriodicHalo& halo)
      : row_starts(halo.row_starts()),
        per_row((halo.row_length() + kPackWidth - 1) / kPackWidth),
        row_length(halo.row_length()) {}
  index_t per_config() const { return index_t(row_starts.extent(0)) * per_row; }

  KOKKOS_INLINE_FUNCTION Slot operator()(index_t s) const {
    const index_t row = s / per_row;
    const int x0 = int(s % per_row) * kPackWidth;
    const int len = row_length - x0 < kPackWidth ? row_length - x0 : kPackWidth;
    return {row * row_length + x0, row_starts(row) + x0, len};
  }
};

// ---- activations lane by lane ----------------------------------------------------
// activate() and activation_slope_from_output() (activation.hpp) on a pack,
// with the same arithmetic; the switch stays outside the lanes.
KOKKOS_INLINE_FUNCTION SitePack activate_pack(Activation act, const SitePack& pre) {
  switch (act) {
    case Activation::LeakyReLU:
      return pre.where_positive(pre, SitePack::splat(leaky_relu_slope()) * pre);
    case Activation::Tanh: {
      SitePack r;
      for (int s = 0; s < kPackWidth; ++s) r.set_lane(s, math::tanh(pre.lane(s)));
      return r;
    }
    default:
      return pre;
  }
}

// f'(pre) * g with f' taken from post = f(pre).
KOKKOS_INLINE_FUNCTION SitePack times_slope(Activation act, const SitePack& post,
                                            const SitePack& g) {
  switch (act) {
    case Activation::LeakyReLU:
      return post.where_positive(SitePack::splat(1.0), SitePack::splat(leaky_relu_slope())) * g;
    case Activation::Tanh:
      return (SitePack::splat(1.0) - post * post) * g;
    default:
      return g;
  }
}

// ---- the gather shared by forward and the input gradient ----------------------
// dst(b, c, x) = epilogue(sum_{c', o} w(c', o, c) src(b, c', x + shift_o))
// with the weights arranged [c'][o][c] (StencilConv::gather_weights). Forward: c' = ci,
// c = co, shift_o = offset_o, epilogue bias + activation; input gradient:
// c' = co, c = ci, shift_o = -offset_o, epilogue the slope of the input's
// activation.
//
// A work item computes kBlock channels at kSlots slots of one config: kBlock x
// kSlots accumulators stay in registers (8 packs on the host), each loaded
// input pack is used for kBlock channels and each weight for kSlots packs.
inline constexpr int kAccumulators = 8;

struct GatherArgs {
  ParamVector weights;  // [c'][o][c]
  ParamVector params;   // forward: the bias at b0
  index_t b0;
  Tensor src;  // with halo
  Tensor dst;
  Tensor slope_source;  // input gradient: the layer input, for its activation slope
  SiteList shifts;      // in the padded tensor
  int src_channels, dst_channels, n_offsets;
  Activation act;
  bool forward;
};

template <int kBlock>
struct StencilGather {
  static constexpr int kSlots = kAccumulators / kBlock;
  GatherArgs a;
  SlotGrid grid;
  index_t slots;  // per config

  // Work item (config, group of kSlots slots): all channels, kBlock at a time.
  KOKKOS_INLINE_FUNCTION void operator()(index_t b, index_t group) const {
    const index_t first = group * kSlots;
    Slot slot[kSlots];
    for (int t = 0; t < kSlots; ++t)  // past the last slot: repeat it, store nothing
      slot[t] = grid(first + t < slots ? first + t : slots - 1);
    for (int c0 = 0; c0 < a.dst_channels; c0 += kBlock) {
      SitePack acc[kBlock][kSlots];
      for (int j = 0; j < kBlock; ++j)
        for (int t = 0; t < kSlots; ++t)
          acc[j][t] = SitePack::splat(a.forward ? a.params(a.b0 + c0 + j) : 0.0);
      const real_t* w = &a.weights(c0 * kWeightLanes);
      const index_t* shifts = &a.shifts(0);
      for (int cs = 0; cs < a.src_channels; ++cs) {
        const real_t* src[kSlots];
        for (int t = 0; t < kSlots; ++t) src[t] = &a.src(b, cs, slot[t].padded);
        for (int o = 0; o < a.n_offsets; ++o, w += a.dst_channels * kWeightLanes) {
          SitePack v[kSlots];
          for (int t = 0; t < kSlots; ++t) v[t] = SitePack::load(src[t] + shifts[o]);
          for (int j = 0; j < kBlock; ++j) {
            const SitePack wj = SitePack::weight(w + j * kWeightLanes);
            for (int t = 0; t < kSlots; ++t) acc[j][t].add_scaled(wj, v[t]);
          }
        }
      }
      for (int t = 0; t < kSlots && first + t < slots; ++t)
        for (int j = 0; j < kBlock; ++j) {
          const index_t x = slot[t].site;
          const int len = slot[t].len;
          SitePack r = acc[j][t];
          if (a.forward)
            r = activate_pack(a.act, r);
          else if (a.act != Activation::Identity)  // else there is no slope source
            r = times_slope(a.act, load_partial(&a.slope_source(b, c0 + j, x), len), r);
          store_partial(&a.dst(b, c0 + j, x), r, len);
        }
    }
  }
};

// The largest channel block for c channels: a power of two dividing c, at most
// max_block (blocks never run past the last channel).
int channel_block(int c, int max_block) {
  int block = max_block;
  while (c % block != 0) block /= 2;
  return block;
}

// Calls f(std::integral_constant<int, channel_block(c, max_block)>()).
template <class F>
void with_channel_block(int c, int max_block, const F& f) {
  switch (channel_block(c, max_block)) {
    case 8:
      return f(std::integral_constant<int, 8>());
    case 4:
      return f(std::integral_constant<int, 4>());
    case 2:
      return f(std::integral_constant<int, 2>());
    default:
      return f(std::integral_constant<int, 1>());
  }
}

void gather(const GatherArgs& args, const SlotGrid& grid, index_t n) {
  with_channel_block(args.dst_channels, kAccumulators, [&](auto block) {
    using Gather = StencilGather<decltype(block)::value>;
    const index_t slots = grid.per_config();
    const index_t groups = (slots + Gather::kSlots - 1) / Gather::kSlots;
    Kokkos::parallel_for(args.forward ? "flow.conv.forward" : "flow.conv.backward_input",
                         batch_site_policy(n, groups), Gather{args, grid, slots});
  });
}

// ---- weight gradients ---------------------------------------------------------
// dL/dw[co][ci][o] = sum_{b,y} d_out(b, co, y - offset_o) in(b, ci, y): summed
// over fixed blocks (a run of rows of one config), then over the blocks in
// order, so the summation order depends only on n and the lattice, never on the
// number of threads.
inline constexpr index_t kGradBlockSites = 256;

KOKKOS_INLINE_FUNCTION SitePack ones(int len) {  // 1 in the first len lanes, then 0
  SitePack r = SitePack::splat(0);
  for (int s = 0; s < len; ++s) r.set_lane(s, 1);
  return r;
}

template <int kBlock>
struct WeightGradBlocks {
  static constexpr int kSlots = kAccumulators / kBlock;
  Tensor in, d_padded;
  Kokkos::View<real_t***, Kokkos::LayoutRight, MemSpace> part;
  SiteList mirrored;  // shifts to y - offset_o
  SlotGrid grid;
  index_t n_rows, block_rows, blocks_per_config;  // lattice rows; per block
  index_t rows;                                   // (ci, o) rows, then the bias row
  int n_offsets, channel_blocks;                  // of kBlock channels

  // Work item (block, row x channel block): each input pack is loaded once and
  // used for kBlock output channels; kSlots packs of a row go to separate
  // accumulators (independent additions), summed in a fixed order at the end.
  KOKKOS_INLINE_FUNCTION void operator()(index_t blk, index_t item) const {
    const index_t row = item / channel_blocks;
    const int c0 = int(item % channel_blocks) * kBlock;
    const bool bias = row == rows - 1;
    const int ci = bias ? 0 : int(row / n_offsets);
    const index_t shift = bias ? 0 : mirrored(row % n_offsets);
    const index_t b = blk / blocks_per_config;
    const index_t first_row = (blk % blocks_per_config) * block_rows;
    const index_t last_row = first_row + block_rows < n_rows ? first_row + block_rows : n_rows;
    const index_t channel_stride = index_t(d_padded.extent(2));
    const int L = grid.row_length;
    SitePack acc[kBlock][kSlots];
    for (int j = 0; j < kBlock; ++j)
      for (int t = 0; t < kSlots; ++t) acc[j][t] = SitePack::splat(0);
    for (index_t lattice_row = first_row; lattice_row < last_row; ++lattice_row) {
      const real_t* x = &in(b, ci, lattice_row * L);
      const real_t* d = &d_padded(b, c0, grid.row_starts(lattice_row) + shift);
      for (int x0 = 0; x0 < L; x0 += kSlots * kPackWidth)
        for (int t = 0; t < kSlots; ++t) {
          const int start = x0 + t * kPackWidth;
          if (start >= L) break;
          const int len = L - start < kPackWidth ? L - start : kPackWidth;
          const SitePack v = bias ? ones(len) : load_partial(x + start, len);
          for (int j = 0; j < kBlock; ++j)
            acc[j][t].add_product(SitePack::load(d + j * channel_stride + start), v);
        }
    }
    for (int j = 0; j < kBlock; ++j) {
      real_t sum = 0;
      for (int t = 0; t < kSlots; ++t) sum += lane_sum(acc[j][t]);
      part(blk, row, c0 + j) = sum;
    }
  }
};

// Pass 2 of the weight gradient: the block sums added in block order, into the
// store's layout. (The kernels of this file are functors rather than lambdas:
// nvcc rejects a KOKKOS_LAMBDA inside a private member function.)
struct WeightGradSum {
  Kokkos::View<real_t***, Kokkos::LayoutRight, MemSpace> part;
  ParamVector grads;
  index_t w0, b0, n_blocks, rows;
  int c_in, c_out, n_offsets;

  KOKKOS_INLINE_FUNCTION void operator()(index_t j) const {
    const index_t row = j / c_out, co = j % c_out;
    real_t sum = 0;
    for (index_t blk = 0; blk < n_blocks; ++blk) sum += part(blk, row, co);
    if (row == rows - 1)
      grads(b0 + co) += sum;
    else
      grads(w0 + (co * c_in + row / n_offsets) * n_offsets + row % n_offsets) += sum;
  }
};

// ---- weights arranged for the gather ---------------------------------------------
// w[co][ci][o] -> [ci][o][co] (forward) or [co][o][ci] (input gradient), each
// kWeightLanes times.
struct ArrangeWeights {
  ParamVector params, arranged;
  index_t w0;
  int c_in, c_out, n_offsets;
  bool forward;

  KOKKOS_INLINE_FUNCTION void operator()(index_t i) const {
    const int o = int(i % n_offsets), ci = int(i / n_offsets % c_in),
              co = int(i / n_offsets / c_in);
    const index_t j = forward ? (index_t(ci) * n_offsets + o) * c_out + co
                              : (index_t(co) * n_offsets + o) * c_in + ci;
    for (int lane = 0; lane < kWeightLanes; ++lane)
      arranged(j * kWeightLanes + lane) = params(w0 + i);
  }
};
}  // namespace

StencilConv::StencilConv(const Geometry& g, int c_in, int c_out, int kernel, ParameterStore& store,
                         const std::string& name, std::shared_ptr<ConvWorkspace> workspace)
    : name_(name),
      c_in_(c_in),
      c_out_(c_out),
      kernel_(kernel),
      volume_(g.volume()),
      halo_(g, kernel > 0 ? kernel / 2 : 0),
      workspace_(workspace ? std::move(workspace) : std::make_shared<ConvWorkspace>()) {
  const std::string where = "flow layer " + name + ": ";
  if (c_in < 1 || c_in > kMaxChannels || c_out < 1 || c_out > kMaxChannels)
    throw InputError(where + std::to_string(c_in) + " -> " + std::to_string(c_out) +
                     " channels, each must be 1 to " + std::to_string(kMaxChannels));
  if (kernel < 1 || kernel % 2 == 0)
    throw InputError(where + "kernel size must be odd and positive, got " + std::to_string(kernel));
  n_offsets_ = Geometry::stencil_size(kernel, g.dim());
  weight_offset_ = store.add(weight_count(), name + ".weight");
  bias_offset_ = store.add(c_out, name + ".bias");
}

double StencilConv::flops_forward(index_t n) const {
  return 2.0 * double(n) * double(volume_) * c_out_ * c_in_ * n_offsets_;
}

void StencilConv::check_tensor(const Tensor& t, int channels, index_t n, const char* what) const {
  if (index_t(t.extent(0)) < n || int(t.extent(1)) != channels || index_t(t.extent(2)) != volume_)
    throw RuntimeFailure("flow layer " + name_ + ": " + what + " tensor is [" +
                         std::to_string(t.extent(0)) + "][" + std::to_string(t.extent(1)) + "][" +
                         std::to_string(t.extent(2)) + "], needs [>=" + std::to_string(n) + "][" +
                         std::to_string(channels) + "][" + std::to_string(volume_) + "]");
}

Tensor StencilConv::padded(ConvWorkspace::Slot slot, const Tensor& t, index_t n) const {
  const int channels = int(t.extent(1));
  const index_t per_channel = halo_.padded_volume();
  const Tensor p(workspace_->get(slot, n * channels * per_channel), n, channels, per_channel);
  halo_.fill(t, n, p);
  return p;
}

const ParamVector& StencilConv::gather_weights(const ParamVector& params, bool forward) const {
  if (index_t(weights_.extent(0)) != weight_count() * kWeightLanes)
    weights_ = ParamVector(name_ + ".gather_weights", weight_count() * kWeightLanes);
  Kokkos::parallel_for(
      "flow.conv.gather_weights", FlatPolicy(0, weight_count()),
      ArrangeWeights{params, weights_, weight_offset_, c_in_, c_out_, n_offsets_, forward});
  return weights_;
}

void StencilConv::initialize(const ParamVector& params, std::uint64_t seed,
                             std::uint32_t layer_id) const {
  const index_t n_weights = weight_count(), w0 = weight_offset_, b0 = bias_offset_;
  const real_t bound = 1.0 / std::sqrt(double(c_in_) * n_offsets_);
  const CounterRng rng(seed, layer_id);
  Kokkos::parallel_for(
      "flow.conv.initialize", FlatPolicy(0, n_weights + c_out_), KOKKOS_LAMBDA(index_t i) {
        double u0, u1;  // element i of the block uses counter i / 2
        rng.uniform2(RandomPurpose::ParameterInit, 0, std::uint32_t(i / 2), u0, u1);
        const real_t value = bound * (2.0 * (i % 2 == 0 ? u0 : u1) - 1.0);
        if (i < n_weights)
          params(w0 + i) = value;
        else
          params(b0 + i - n_weights) = value;
      });
}

void StencilConv::forward(const ParamVector& params, const Tensor& in, index_t n,
                          const Tensor& out) const {
  forward_activated(params, in, n, Activation::Identity, out);
}

void StencilConv::forward_activated(const ParamVector& params, const Tensor& in, index_t n,
                                    Activation act, const Tensor& out) const {
  check_tensor(in, c_in_, n, "input");
  check_tensor(out, c_out_, n, "output");
  if (n == 0) return;
  GatherArgs args{gather_weights(params, true),
                  params,
                  bias_offset_,
                  padded(ConvWorkspace::PaddedInput, in, n),
                  out,
                  Tensor(),
                  halo_.displacements(),
                  c_in_,
                  c_out_,
                  n_offsets_,
                  act,
                  true};
  gather(args, SlotGrid(halo_), n);
}

void StencilConv::backward(const ParamVector& params, const Tensor& in, const Tensor& d_out,
                           index_t n, const Tensor& d_in, const ParamVector& grads,
                           Activation in_activation) const {
  check_tensor(in, c_in_, n, "input");
  check_tensor(d_out, c_out_, n, "output gradient");
  if (d_in.size() != 0) check_tensor(d_in, c_in_, n, "input gradient");
  if (n == 0) return;
  const Tensor d_padded = padded(ConvWorkspace::PaddedGradient, d_out, n);
  add_weight_grads(in, d_padded, n, grads);
  if (d_in.size() != 0) input_grad(params, d_padded, n, d_in, in_activation, in);
}

void StencilConv::backward_input(const ParamVector& params, const Tensor& d_out, index_t n,
                                 const Tensor& d_in, Activation in_activation,
                                 const Tensor& in) const {
  check_tensor(d_out, c_out_, n, "output gradient");
  check_tensor(d_in, c_in_, n, "input gradient");
  if (in_activation != Activation::Identity) check_tensor(in, c_in_, n, "input");
  if (n == 0) return;
  input_grad(params, padded(ConvWorkspace::PaddedGradient, d_out, n), n, d_in, in_activation, in);
}

void StencilConv::accumulate_weight_grads(const Tensor& in, const Tensor& d_out, index_t n,
                                          const ParamVector& grads) const {
  check_tensor(in, c_in_, n, "input");
  check_tensor(d_out, c_out_, n, "output gradient");
  if (n == 0) return;
  add_weight_grads(in, padded(ConvWorkspace::PaddedGradient, d_out, n), n, grads);
}

void StencilConv::input_grad(const ParamVector& params, const Tensor& d_out_padded, index_t n,
                             const Tensor& d_in, Activation in_activation, const Tensor& in) const {
  // in(y) feeds out(x) through offset o when y = x + offset_o: dL/d(in) gathers
  // d_out at y - offset_o with the transposed weights.
  GatherArgs args{
      gather_weights(params, false),  params, 0,     d_out_padded, d_in,          in,
      halo_.mirrored_displacements(), c_out_, c_in_, n_offsets_,   in_activation, false};
  gather(args, SlotGrid(halo_), n);
}

void StencilConv::add_weight_grads(const Tensor& in, const Tensor& d_out_padded, index_t n,
                                   const ParamVector& grads) const {
  const int c_in = c_in_, c_out = c_out_, n_off = n_offsets_;
  const index_t w0 = weight_offset_, b0 = bias_offset_;
  const index_t n_rows = halo_.rows();
  const index_t block_rows =
      std::min(n_rows, std::max(index_t(1), kGradBlockSites / halo_.row_length()));
  const index_t blocks_per_config = (n_rows + block_rows - 1) / block_rows;
  const index_t n_blocks = n * blocks_per_config;
  const index_t rows = index_t(c_in) * n_off + 1;  // (ci, o) rows, then the bias row
  const Kokkos::View<real_t***, Kokkos::LayoutRight, MemSpace> part(
      workspace_->get(ConvWorkspace::GradientPartials, n_blocks * rows * c_out), n_blocks, rows,
      c_out);

  // Pass 1: partial sums of every block.
  with_channel_block(c_out, kAccumulators, [&](auto block) {
    const WeightGradBlocks<decltype(block)::value> blocks{in,
                                                          d_out_padded,
                                                          part,
                                                          halo_.mirrored_displacements(),
                                                          SlotGrid(halo_),
                                                          n_rows,
                                                          block_rows,
                                                          blocks_per_config,
                                                          rows,
                                                          n_off,
                                                          c_out / block};
    Kokkos::parallel_for("flow.conv.weight_grad_blocks",
                         batch_site_policy(n_blocks, rows * blocks.channel_blocks), blocks);
  });

  // Pass 2: add the block sums in block order, into the store's layout.
  Kokkos::parallel_for("flow.conv.weight_grad_sum", FlatPolicy(0, rows * c_out),
                       WeightGradSum{part, grads, w0, b0, n_blocks, rows, c_in, c_out, n_off});
}

}  // namespace flowlat
