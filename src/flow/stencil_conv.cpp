// StencilConv: forward, input gradient and weight gradient as gathers from
// tensors with a periodic halo; no atomics anywhere, so every result is
// deterministic. The work items themselves are in conv_kernels.hpp: on the
// host, compiled once per instruction set and picked at run time.
#include "flowlat/flow/stencil_conv.hpp"

#include <algorithm>
#include <cmath>

#include "conv_kernel_args.hpp"
#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/philox.hpp"

#ifdef FLOWLAT_SIMD_DISPATCH
#if defined(KOKKOS_ENABLE_CUDA) || defined(KOKKOS_ENABLE_HIP) || defined(KOKKOS_ENABLE_SYCL) || \
    defined(KOKKOS_ENABLE_OPENMPTARGET)
#error "FLOWLAT_SIMD_DISPATCH is for host backends (cmake/FlowlatSimdKernels.cmake)"
#endif
#else
#include "conv_kernels.hpp"
#endif

namespace flowlat {

namespace {
using FlatPolicy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<index_t>>;

static_assert(kMaxPackWidth <= PeriodicHalo::kReadSlack, "loads past a row stay in the slack");

#ifdef FLOWLAT_SIMD_DISPATCH
const ConvKernels& kernels() { return active_conv_kernels(); }
#else
const ConvKernels& kernels() {
  // (one width: the device's one site per thread)
  using namespace inline_kernels;
  static constexpr auto f64 = conv_kernels_of<double, kVectorBytes>(nullptr, nullptr);
  static constexpr auto f32 = conv_kernels_of<float, kVectorBytes>(nullptr, nullptr);
  static constexpr ConvKernels k{{f64, f64}, {f32, f32}};
  return k;
}
#endif

// Kokkos runs the work items: through the table of the instruction set in use
// (host), or inlined (device).
template <class T>
struct GatherItems {
  GatherKernelArgs<T> a;
  GatherItemFn<T> item;

  KOKKOS_INLINE_FUNCTION void operator()(index_t group) const {
#ifdef FLOWLAT_SIMD_DISPATCH
    item(a, group);
#else
    inline_kernels::gather_any_block<T, inline_kernels::kVectorBytes>(a, group);
#endif
  }
};

template <class T>
struct WeightGradItems {
  WeightGradKernelArgs<T> a;
  WeightGradItemFn<T> item;

  KOKKOS_INLINE_FUNCTION void operator()(index_t blk, index_t i) const {
#ifdef FLOWLAT_SIMD_DISPATCH
    item(a, blk, i);
#else
    inline_kernels::weight_grad_any_block<T, inline_kernels::kVectorBytes>(a, blk, i);
#endif
  }
};

KernelActivation kernel_activation(Activation act) {
  switch (act) {
    case Activation::LeakyReLU:
      return KernelActivation::LeakyReLU;
    case Activation::Tanh:
      return KernelActivation::Tanh;
    default:
      return KernelActivation::Identity;
  }
}

SlotLayout slot_layout(const PeriodicHalo& halo, int pack_width) {
  const index_t per_row = (halo.row_length() + pack_width - 1) / pack_width;
  return {halo.row_starts().data(), per_row, halo.rows() * per_row, halo.row_length()};
}

// The largest channel block for c channels: a power of two dividing c, at most
// max_block (blocks never run past the last channel).
int channel_block(int c, int max_block) {
  int block = max_block;
  while (c % block != 0) block /= 2;
  return block;
}

// dst = epilogue(gather of src) (conv_kernels.hpp), every config 0..n-1.
template <class T>
void gather(const T* weights, const T* bias, const TensorOf<T>& src, const TensorOf<T>& dst,
            const TensorOf<T>& slope_source, const SiteList& shifts, int n_offsets,
            Activation act, const SlotLayout& slots, index_t n, const ConvKernelsOf<T>& k) {
  GatherKernelArgs<T> a{};
  a.weights = weights;
  a.bias = bias;
  a.src = src.data();
  a.dst = dst.data();
  a.slope_source = slope_source.data();
  a.shifts = shifts.data();
  a.src_config_stride = index_t(src.stride(0));
  a.src_channel_stride = index_t(src.stride(1));
  a.dst_config_stride = index_t(dst.stride(0));
  a.dst_channel_stride = index_t(dst.stride(1));
  a.slope_config_stride = index_t(slope_source.stride(0));
  a.slope_channel_stride = index_t(slope_source.stride(1));
  a.slots = slots;
  a.src_channels = int(src.extent(1));
  a.dst_channels = int(dst.extent(1));
  a.n_offsets = n_offsets;
  a.slots_total = n * slots.per_config;
  a.block = channel_block(a.dst_channels, k.gather_max_block);
  a.act = kernel_activation(act);
  a.leaky_slope = leaky_relu_slope<T>();
  a.forward = bias != nullptr;  // only the forward pass has a bias
  const index_t group_slots = k.gather_slots_of(a.block);
  const index_t groups = (a.slots_total + group_slots - 1) / group_slots;
  Kokkos::parallel_for(a.forward ? "flow.conv.forward" : "flow.conv.backward_input",
                       FlatPolicy(0, groups), GatherItems<T>{a, k.gather});
}

// ---- weight gradients ---------------------------------------------------------
// dL/dw[co][ci][o] = sum_{b,y} d_out(b, co, y - offset_o) in(b, ci, y): summed
// over fixed blocks (a run of about kGradBlockSites sites of the batch, more
// for narrow outputs), then
// over the blocks in order, so the summation order depends only on n, the
// lattice and the instruction set, never on the number of threads.
inline constexpr index_t kGradBlockSites = 256;

// Pass 2 of the weight gradient: the block sums (in T) added in block order,
// in double, into the store's layout. (The kernels of this file are functors
// rather than lambdas: nvcc rejects a KOKKOS_LAMBDA inside a private member
// function.)
template <class T>
struct WeightGradSum {
  Kokkos::View<T***, Kokkos::LayoutRight, MemSpace> part;
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
// `lanes` times, converted to T; then the bias [co] (forward).
template <class T>
struct ArrangeWeights {
  ParamVector params;
  Kokkos::View<T*, MemSpace> arranged;
  index_t w0, b0, n_weights;
  int c_in, c_out, n_offsets, lanes;
  bool forward;

  // Item k < c_out * c_in: the n_offsets weights of (co, ci) = (k / c_in,
  // k % c_in); item c_out * c_in: the bias, after the arranged weights. One
  // division per item, not three 64-bit ones per weight (which were most of
  // the arrangement's cost, done before every forward pass).
  KOKKOS_INLINE_FUNCTION void operator()(int k) const {
    if (k == c_out * c_in) {
      for (int co = 0; co < c_out; ++co) arranged(n_weights * lanes + co) = T(params(b0 + co));
      return;
    }
    const int co = k / c_in, ci = k - co * c_in;
    for (int o = 0; o < n_offsets; ++o) {
      const index_t i = index_t(k) * n_offsets + o;  // [co][ci][o] in the parameters
      const index_t j = forward ? (index_t(ci) * n_offsets + o) * c_out + co
                                : (index_t(co) * n_offsets + o) * c_in + ci;
      const T value = T(params(w0 + i));
      for (int lane = 0; lane < lanes; ++lane) arranged(j * lanes + lane) = value;
    }
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

template <class T>
void StencilConv::check_tensor(const TensorOf<T>& t, int channels, index_t n,
                               const char* what) const {
  if (index_t(t.extent(0)) < n || int(t.extent(1)) != channels || index_t(t.extent(2)) != volume_)
    throw RuntimeFailure("flow layer " + name_ + ": " + what + " tensor is [" +
                         std::to_string(t.extent(0)) + "][" + std::to_string(t.extent(1)) + "][" +
                         std::to_string(t.extent(2)) + "], needs [>=" + std::to_string(n) + "][" +
                         std::to_string(channels) + "][" + std::to_string(volume_) + "]");
}

template <class T>
TensorOf<T> StencilConv::padded(ConvWorkspace::Slot slot, const TensorOf<T>& t, index_t n) const {
  const int channels = int(t.extent(1));
  const index_t per_channel = halo_.padded_volume();
  const TensorOf<T> p(workspace_->get<T>(slot, n * channels * per_channel), n, channels,
                      per_channel);
  halo_.fill(t, n, p);
  return p;
}

template <class T>
const Kokkos::View<T*, MemSpace>& StencilConv::gather_weights(const ParamVector& params,
                                                              bool forward) const {
  const int lanes = kernels().of<T>(halo_.row_length()).weight_lanes;
  auto& weights = [&]() -> Kokkos::View<T*, MemSpace>& {
    if constexpr (sizeof(T) == sizeof(float))
      return weights32_;
    else
      return weights64_;
  }();
  if (index_t(weights.extent(0)) != weight_count() * lanes + c_out_)
    weights = Kokkos::View<T*, MemSpace>(name_ + ".gather_weights", weight_count() * lanes + c_out_);
  Kokkos::parallel_for("flow.conv.gather_weights",
                       Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<int>>(0, c_out_ * c_in_ + 1),
                       ArrangeWeights<T>{params, weights, weight_offset_, bias_offset_,
                                         weight_count(), c_in_, c_out_, n_offsets_, lanes,
                                         forward});
  return weights;
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

template <class T>
void StencilConv::forward(const ParamVector& params, const TensorOf<T>& in, index_t n,
                          const TensorOf<T>& out) const {
  forward_activated(params, in, n, Activation::Identity, out);
}

template <class T>
void StencilConv::forward_activated(const ParamVector& params, const TensorOf<T>& in, index_t n,
                                    Activation act, const TensorOf<T>& out) const {
  check_tensor(in, c_in_, n, "input");
  check_tensor(out, c_out_, n, "output");
  if (n == 0) return;
  const ConvKernelsOf<T>& k = kernels().of<T>(halo_.row_length());
  const auto& weights = gather_weights<T>(params, true);
  const TensorOf<T> src = padded(ConvWorkspace::PaddedInput, in, n);
  gather(weights.data(), weights.data() + weight_count() * k.weight_lanes, src, out,
         TensorOf<T>(), halo_.displacements(), n_offsets_, act,
         slot_layout(halo_, k.pack_width), n, k);
}

template <class T>
void StencilConv::backward(const ParamVector& params, const TensorOf<T>& in,
                           const TensorOf<T>& d_out, index_t n, const TensorOf<T>& d_in,
                           const ParamVector& grads, Activation in_activation) const {
  check_tensor(in, c_in_, n, "input");
  check_tensor(d_out, c_out_, n, "output gradient");
  if (d_in.size() != 0) check_tensor(d_in, c_in_, n, "input gradient");
  if (n == 0) return;
  const TensorOf<T> d_padded = padded(ConvWorkspace::PaddedGradient, d_out, n);
  add_weight_grads(in, d_padded, n, grads);
  if (d_in.size() != 0) input_grad(params, d_padded, n, d_in, in_activation, in);
}

template <class T>
void StencilConv::backward_input(const ParamVector& params, const TensorOf<T>& d_out, index_t n,
                                 const TensorOf<T>& d_in, Activation in_activation,
                                 const TensorOf<T>& in) const {
  check_tensor(d_out, c_out_, n, "output gradient");
  check_tensor(d_in, c_in_, n, "input gradient");
  if (in_activation != Activation::Identity) check_tensor(in, c_in_, n, "input");
  if (n == 0) return;
  input_grad(params, padded(ConvWorkspace::PaddedGradient, d_out, n), n, d_in, in_activation, in);
}

template <class T>
void StencilConv::accumulate_weight_grads(const TensorOf<T>& in, const TensorOf<T>& d_out,
                                          index_t n, const ParamVector& grads) const {
  check_tensor(in, c_in_, n, "input");
  check_tensor(d_out, c_out_, n, "output gradient");
  if (n == 0) return;
  add_weight_grads(in, padded(ConvWorkspace::PaddedGradient, d_out, n), n, grads);
}

template <class T>
void StencilConv::input_grad(const ParamVector& params, const TensorOf<T>& d_out_padded,
                             index_t n, const TensorOf<T>& d_in, Activation in_activation,
                             const TensorOf<T>& in) const {
  // in(y) feeds out(x) through offset o when y = x + offset_o: dL/d(in) gathers
  // d_out at y - offset_o with the transposed weights.
  const ConvKernelsOf<T>& k = kernels().of<T>(halo_.row_length());
  gather(gather_weights<T>(params, false).data(), static_cast<const T*>(nullptr), d_out_padded,
         d_in, in_activation != Activation::Identity ? in : TensorOf<T>(),
         halo_.mirrored_displacements(), n_offsets_, in_activation,
         slot_layout(halo_, k.pack_width), n, k);
}

template <class T>
void StencilConv::add_weight_grads(const TensorOf<T>& in, const TensorOf<T>& d_out_padded,
                                   index_t n, const ParamVector& grads) const {
  const int c_in = c_in_, c_out = c_out_, n_off = n_offsets_;
  const index_t w0 = weight_offset_, b0 = bias_offset_;
  const index_t batch_rows = n * halo_.rows();
  // A work item does `block` multiply-adds per site of its block: narrower
  // channel blocks get longer blocks, so that its fixed cost (pointers, the
  // final lane sums) stays small against them (the last layer's 2 channels
  // took 4 times the multiply-add share of the wider layers at 256 sites).
  const int block = channel_block(c_out, kConvAccumulators);
  const index_t block_sites = kGradBlockSites * (kConvAccumulators / block);
  const index_t block_rows = std::max(index_t(1), block_sites / halo_.row_length());
  const index_t n_blocks = (batch_rows + block_rows - 1) / block_rows;
  const index_t rows = index_t(c_in) * n_off + 1;  // (ci, o) rows, then the bias row
  const Kokkos::View<T***, Kokkos::LayoutRight, MemSpace> part(
      workspace_->get<T>(ConvWorkspace::GradientPartials, n_blocks * rows * c_out), n_blocks,
      rows, c_out);

  // Pass 1: partial sums of every block.
  const ConvKernelsOf<T>& k = kernels().of<T>(halo_.row_length());
  WeightGradKernelArgs<T> a{};
  a.in = in.data();
  a.d_padded = d_out_padded.data();
  a.part = part.data();
  a.mirrored = halo_.mirrored_displacements().data();
  a.in_config_stride = index_t(in.stride(0));
  a.in_channel_stride = index_t(in.stride(1));
  a.d_config_stride = index_t(d_out_padded.stride(0));
  a.d_channel_stride = index_t(d_out_padded.stride(1));
  a.slots = slot_layout(halo_, k.pack_width);
  a.block_rows = block_rows;
  a.batch_rows = batch_rows;
  a.rows = rows;
  a.n_offsets = n_off;
  a.c_out = c_out;
  a.block = block;
  a.channel_blocks = c_out / a.block;
  Kokkos::parallel_for("flow.conv.weight_grad_blocks",
                       batch_site_policy(n_blocks, rows * a.channel_blocks),
                       WeightGradItems<T>{a, k.weight_grad});

  // Pass 2: add the block sums in block order, into the store's layout.
  Kokkos::parallel_for("flow.conv.weight_grad_sum", FlatPolicy(0, rows * c_out),
                       WeightGradSum<T>{part, grads, w0, b0, n_blocks, rows, c_in, c_out, n_off});
}

#define FLOWLAT_INSTANTIATE_STENCIL_CONV(T)                                                     \
  template void StencilConv::forward(const ParamVector&, const TensorOf<T>&, index_t,          \
                                     const TensorOf<T>&) const;                                \
  template void StencilConv::forward_activated(const ParamVector&, const TensorOf<T>&,         \
                                               index_t, Activation, const TensorOf<T>&) const; \
  template void StencilConv::backward(const ParamVector&, const TensorOf<T>&,                  \
                                      const TensorOf<T>&, index_t, const TensorOf<T>&,         \
                                      const ParamVector&, Activation) const;                   \
  template void StencilConv::backward_input(const ParamVector&, const TensorOf<T>&, index_t,   \
                                            const TensorOf<T>&, Activation,                    \
                                            const TensorOf<T>&) const;                         \
  template void StencilConv::accumulate_weight_grads(const TensorOf<T>&, const TensorOf<T>&,   \
                                                     index_t, const ParamVector&) const;
FLOWLAT_INSTANTIATE_STENCIL_CONV(float)
FLOWLAT_INSTANTIATE_STENCIL_CONV(double)
#undef FLOWLAT_INSTANTIATE_STENCIL_CONV

}  // namespace flowlat
