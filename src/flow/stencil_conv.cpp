// StencilConv: forward, input gradient and weight gradient as gathers through
// the stencil table; no atomics anywhere, so every result is deterministic.
#include "flowlat/flow/stencil_conv.hpp"

#include <cmath>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/philox.hpp"

namespace flowlat {

namespace {
using FlatPolicy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<index_t>>;

// ---- tiles of consecutive sites ---------------------------------------------
// Every kernel gives a work item a tile of consecutive sites of one
// configuration. On the host the tile is 8 sites, so each weight is loaded once
// per 8 sites and the update acc += w * v runs over a compile-time number of
// lanes; on a GPU a tile is one site per thread. -DFLOWLAT_SITE_TILE=1 (with
// -DFLOWLAT_PLAIN_SITE_PACKS below) runs the GPU variant on the host.
#ifdef FLOWLAT_SITE_TILE
constexpr int kSiteTile = FLOWLAT_SITE_TILE;
#else
constexpr int kSiteTile = Kokkos::SpaceAccessibility<ExecSpace, HostSpace>::accessible ? 8 : 1;
#endif

index_t site_tiles(index_t volume) { return (volume + kSiteTile - 1) / kSiteTile; }

KOKKOS_INLINE_FUNCTION int tile_length(index_t volume, index_t x0) {
  return volume - x0 < kSiteTile ? int(volume - x0) : kSiteTile;
}

// Weight gradients are summed over fixed blocks of (config, site) tiles, then
// over the blocks in order: the summation order depends only on n and V, never
// on the number of threads.
constexpr index_t kGradBlockTiles = 256 / kSiteTile;

// Values at the sites of one tile. Host compilers get GCC/Clang vector types
// of the target's SIMD width (2 doubles for SSE2/NEON, 4 with AVX, 8 with
// AVX-512): written with plain arrays, GCC vectorises the runtime-length channel
// loop around each update instead, with shuffles, and the kernels run 5x
// slower. GPU compilers get a plain array (as does a build with
// -DFLOWLAT_PLAIN_SITE_PACKS, to test that path on the host).
#if defined(__GNUC__) && !defined(__CUDACC__) && !defined(__HIPCC__) && \
    !defined(SYCL_LANGUAGE_VERSION) && !defined(FLOWLAT_PLAIN_SITE_PACKS)
#define FLOWLAT_SITE_PACK_VECTORS 1
#if defined(__AVX512F__)
constexpr int kSimdWidth = 8;
#elif defined(__AVX__)
constexpr int kSimdWidth = 4;
#else
constexpr int kSimdWidth = 2;
#endif
constexpr int kPackWidth = kSiteTile < kSimdWidth ? kSiteTile : kSimdWidth;
#endif

struct SitePack {
#ifdef FLOWLAT_SITE_PACK_VECTORS
  static_assert(kSiteTile % kPackWidth == 0, "a host tile is a whole number of vectors");
  static constexpr int kVectors = kSiteTile / kPackWidth;
  typedef real_t Vector __attribute__((vector_size(kPackWidth * sizeof(real_t))));
  Vector vec[kVectors];

  static SitePack load(const real_t* v) {
    SitePack r;
    __builtin_memcpy(r.vec, v, sizeof r.vec);  // unaligned packed loads
    return r;
  }
  static SitePack splat(real_t a) {
    SitePack r;
    for (int i = 0; i < kVectors; ++i) r.vec[i] = Vector{} + a;
    return r;
  }
  void add_scaled(real_t w, const SitePack& x) {  // this += w * x
    for (int i = 0; i < kVectors; ++i) vec[i] += w * x.vec[i];
  }
  void add_product(const SitePack& a, const SitePack& b) {  // this += a * b
    for (int i = 0; i < kVectors; ++i) vec[i] += a.vec[i] * b.vec[i];
  }
  real_t lane(int s) const { return vec[s / kPackWidth][s % kPackWidth]; }
  void set_lane(int s, real_t value) { vec[s / kPackWidth][s % kPackWidth] = value; }
#else
  real_t v[kSiteTile];

  KOKKOS_INLINE_FUNCTION static SitePack load(const real_t* values) {
    SitePack r;
    for (int s = 0; s < kSiteTile; ++s) r.v[s] = values[s];
    return r;
  }
  KOKKOS_INLINE_FUNCTION static SitePack splat(real_t a) {
    SitePack r;
    for (int s = 0; s < kSiteTile; ++s) r.v[s] = a;
    return r;
  }
  KOKKOS_INLINE_FUNCTION void add_scaled(real_t w, const SitePack& x) {
    for (int s = 0; s < kSiteTile; ++s) v[s] += w * x.v[s];
  }
  KOKKOS_INLINE_FUNCTION void add_product(const SitePack& a, const SitePack& b) {
    for (int s = 0; s < kSiteTile; ++s) v[s] += a.v[s] * b.v[s];
  }
  KOKKOS_INLINE_FUNCTION real_t lane(int s) const { return v[s]; }
  KOKKOS_INLINE_FUNCTION void set_lane(int s, real_t value) { v[s] = value; }
#endif
  KOKKOS_INLINE_FUNCTION real_t sum() const {  // lanes in order
    real_t total = 0;
    for (int s = 0; s < kSiteTile; ++s) total += lane(s);
    return total;
  }
};

// t(b, c, table(x0 + s, o)) over a tile of len sites; lanes past the end
// repeat the last site (finite values that are never stored).
KOKKOS_INLINE_FUNCTION SitePack gather_tile(const Tensor& t, index_t b, int c,
                                            const SiteTable& table, index_t x0, int len, int o) {
  SitePack r;  // lane by lane: a store-then-wide-load would stall store forwarding
  for (int s = 0; s < kSiteTile; ++s)
    r.set_lane(s, t(b, c, table(x0 + (s < len ? s : len - 1), o)));
  return r;
}

// t(b, c, x0 + s) over a tile of len sites; lanes past the end are 0.
KOKKOS_INLINE_FUNCTION SitePack load_tile(const Tensor& t, index_t b, int c, index_t x0, int len) {
  if (len == kSiteTile) return SitePack::load(&t(b, c, x0));  // contiguous: sites run fastest
  SitePack r;
  for (int s = 0; s < kSiteTile; ++s) r.set_lane(s, s < len ? t(b, c, x0 + s) : 0);
  return r;
}
}  // namespace

StencilConv::StencilConv(const Geometry& g, int c_in, int c_out, int kernel, ParameterStore& store,
                         const std::string& name)
    : name_(name), c_in_(c_in), c_out_(c_out), kernel_(kernel), volume_(g.volume()) {
  const std::string where = "flow layer " + name + ": ";
  if (c_in < 1 || c_in > kMaxChannels || c_out < 1 || c_out > kMaxChannels)
    throw InputError(where + std::to_string(c_in) + " -> " + std::to_string(c_out) +
                     " channels, each must be 1 to " + std::to_string(kMaxChannels));
  if (kernel < 1 || kernel % 2 == 0)
    throw InputError(where + "kernel size must be odd and positive, got " + std::to_string(kernel));
  n_offsets_ = Geometry::stencil_size(kernel, g.dim());
  table_ = g.stencil(kernel);
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
  const int c_in = c_in_, c_out = c_out_, n_off = n_offsets_;
  const index_t V = volume_, w0 = weight_offset_, b0 = bias_offset_;
  const SiteTable table = table_;

  // One work item per (config, tile) computes all c_out outputs of its sites
  // in a local array: each gathered input is read once and used for every
  // output channel; bias and activation fused.
  Kokkos::parallel_for(
      "flow.conv.forward", batch_site_policy(n, site_tiles(V)),
      KOKKOS_LAMBDA(index_t b, index_t tile) {
        const index_t x0 = tile * kSiteTile;
        const int len = tile_length(V, x0);
        SitePack acc[kMaxChannels];
        for (int co = 0; co < c_out; ++co) acc[co] = SitePack::splat(params(b0 + co));
        for (int ci = 0; ci < c_in; ++ci)
          for (int o = 0; o < n_off; ++o) {
            const SitePack v = gather_tile(in, b, ci, table, x0, len, o);
            for (int co = 0; co < c_out; ++co)
              acc[co].add_scaled(params(w0 + (index_t(co) * c_in + ci) * n_off + o), v);
          }
        for (int co = 0; co < c_out; ++co)
          for (int s = 0; s < len; ++s) out(b, co, x0 + s) = activate(act, acc[co].lane(s));
      });
}

void StencilConv::backward(const ParamVector& params, const Tensor& in, const Tensor& d_out,
                           index_t n, const Tensor& d_in, const ParamVector& grads) const {
  accumulate_weight_grads(in, d_out, n, grads);
  if (d_in.size() != 0) backward_input(params, d_out, n, d_in, Activation::Identity, Tensor());
}

void StencilConv::backward_input(const ParamVector& params, const Tensor& d_out, index_t n,
                                 const Tensor& d_in, Activation in_activation,
                                 const Tensor& in) const {
  check_tensor(d_out, c_out_, n, "output gradient");
  check_tensor(d_in, c_in_, n, "input gradient");
  const bool through_activation = in_activation != Activation::Identity;
  if (through_activation) check_tensor(in, c_in_, n, "input");
  if (n == 0) return;
  const int c_in = c_in_, c_out = c_out_, n_off = n_offsets_;
  const index_t V = volume_, w0 = weight_offset_;
  const SiteTable table = table_;

  // in(y) feeds out(x) through offset o when y = x + offset_o, i.e. x = y - offset_o
  // = table(y, mirror(o)) with mirror(o) = n_off - 1 - o (offsets are row-major
  // over the symmetric box). So dL/d(in) is a gather too, organised like
  // forward: one work item per (config, tile), all c_in results in a local array.
  Kokkos::parallel_for(
      "flow.conv.backward_input", batch_site_policy(n, site_tiles(V)),
      KOKKOS_LAMBDA(index_t b, index_t tile) {
        const index_t y0 = tile * kSiteTile;
        const int len = tile_length(V, y0);
        SitePack acc[kMaxChannels];
        for (int ci = 0; ci < c_in; ++ci) acc[ci] = SitePack::splat(0);
        for (int co = 0; co < c_out; ++co)
          for (int o = 0; o < n_off; ++o) {
            const SitePack v = gather_tile(d_out, b, co, table, y0, len, n_off - 1 - o);
            for (int ci = 0; ci < c_in; ++ci)
              acc[ci].add_scaled(params(w0 + (index_t(co) * c_in + ci) * n_off + o), v);
          }
        for (int ci = 0; ci < c_in; ++ci)
          for (int s = 0; s < len; ++s) {
            const index_t y = y0 + s;
            const real_t slope = through_activation
                                     ? activation_slope_from_output(in_activation, in(b, ci, y))
                                     : 1.0;
            d_in(b, ci, y) = slope * acc[ci].lane(s);
          }
      });
}

void StencilConv::accumulate_weight_grads(const Tensor& in, const Tensor& d_out, index_t n,
                                          const ParamVector& grads) const {
  check_tensor(in, c_in_, n, "input");
  check_tensor(d_out, c_out_, n, "output gradient");
  if (n == 0) return;
  const int c_in = c_in_, c_out = c_out_, n_off = n_offsets_;
  const index_t V = volume_, w0 = weight_offset_, b0 = bias_offset_;
  const index_t tiles = site_tiles(V), total_tiles = n * tiles;
  const index_t n_blocks = (total_tiles + kGradBlockTiles - 1) / kGradBlockTiles;
  const index_t rows = index_t(c_in) * n_off + 1;  // (ci, o) rows, then the bias row
  if (index_t(partials_.extent(0)) < n_blocks || index_t(partials_.extent(1)) != rows)
    partials_ = Kokkos::View<real_t***, Kokkos::LayoutRight, MemSpace>(
        Kokkos::view_alloc(name_ + ".grad_partials", Kokkos::WithoutInitializing), n_blocks, rows,
        c_out);
  const auto part = partials_;
  const SiteTable table = table_;

  // Pass 1: work item (block, row) computes dL/dw[co][ci][o] for all co over
  // its block of tiles: the gathered input is read once per tile and used for
  // every output channel. The bias row multiplies by 1.
  Kokkos::parallel_for(
      "flow.conv.weight_grad_blocks", batch_site_policy(n_blocks, rows),
      KOKKOS_LAMBDA(index_t blk, index_t row) {
        const bool bias = row == rows - 1;
        const int ci = bias ? 0 : int(row / n_off), o = bias ? 0 : int(row % n_off);
        SitePack acc[kMaxChannels];
        for (int co = 0; co < c_out; ++co) acc[co] = SitePack::splat(0);
        const index_t first = blk * kGradBlockTiles;
        const index_t last =
            first + kGradBlockTiles < total_tiles ? first + kGradBlockTiles : total_tiles;
        for (index_t t = first; t < last; ++t) {
          const index_t b = t / tiles, x0 = (t % tiles) * kSiteTile;
          const int len = tile_length(V, x0);
          const SitePack v = bias ? SitePack::splat(1) : gather_tile(in, b, ci, table, x0, len, o);
          for (int co = 0; co < c_out; ++co)
            acc[co].add_product(load_tile(d_out, b, co, x0, len), v);
        }
        for (int co = 0; co < c_out; ++co) part(blk, row, co) = acc[co].sum();
      });

  // Pass 2: add the block sums in block order, into the store's layout.
  Kokkos::parallel_for(
      "flow.conv.weight_grad_sum", FlatPolicy(0, rows * c_out), KOKKOS_LAMBDA(index_t j) {
        const index_t row = j / c_out, co = j % c_out;
        real_t sum = 0;
        for (index_t blk = 0; blk < n_blocks; ++blk) sum += part(blk, row, co);
        if (row == rows - 1)
          grads(b0 + co) += sum;
        else
          grads(w0 + (co * c_in + row / n_off) * n_off + row % n_off) += sum;
      });
}

}  // namespace flowlat
