// PeriodicHalo: the padded index arithmetic (host tables) and the fill kernel.
#include "flowlat/flow/periodic_halo.hpp"

#include <cstring>
#include <vector>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/error.hpp"

namespace flowlat {

namespace {
SiteList to_device(const std::string& label, const std::vector<index_t>& values) {
  SiteList list(Kokkos::view_alloc(label, Kokkos::WithoutInitializing), values.size());
  auto h = Kokkos::create_mirror_view(list);
  for (std::size_t i = 0; i < values.size(); ++i) h(i) = values[i];
  Kokkos::deep_copy(list, h);
  return list;
}
}  // namespace

PeriodicHalo::PeriodicHalo(const Geometry& g, int radius)
    : radius_(radius), row_length_(g.extent(g.dim() - 1)) {
  if (radius < 0) throw InputError("periodic halo: negative radius " + std::to_string(radius));
  const int d = g.dim(), r = radius;
  padded_row_length_ = row_length_ + 2 * r;
  std::vector<index_t> stride(d);  // of the padded lattice, last direction fastest
  index_t padded_sites = 1;
  for (int mu = d - 1; mu >= 0; --mu) {
    stride[mu] = padded_sites;
    padded_sites *= g.extent(mu) + 2 * r;
  }
  padded_volume_ = padded_sites + kReadSlack;

  // Lattice rows and padded rows, both row-major over directions 0..d-2.
  const index_t n_rows = g.volume() / row_length_;
  const index_t n_padded_rows = padded_sites / padded_row_length_;
  std::vector<index_t> starts(n_rows), sources(n_padded_rows);
  for (index_t i = 0; i < n_rows; ++i) {
    const auto c = g.coords(i * row_length_);
    index_t p = r;  // the first site sits r elements into its padded row
    for (int mu = 0; mu + 1 < d; ++mu) p += (c[mu] + r) * stride[mu];
    starts[i] = p;
  }
  for (index_t pr = 0; pr < n_padded_rows; ++pr) {
    std::array<int, kMaxDim> c{};
    index_t rest = pr;
    for (int mu = d - 2; mu >= 0; --mu) {
      const int padded_extent = g.extent(mu) + 2 * r;
      const int q = int(rest % padded_extent);
      rest /= padded_extent;
      c[mu] = ((q - r) % g.extent(mu) + g.extent(mu)) % g.extent(mu);
    }
    sources[pr] = g.site(c);
  }
  const int k = 2 * r + 1, n_offsets = Geometry::stencil_size(k, d);
  std::vector<index_t> disp(n_offsets);
  for (int o = 0; o < n_offsets; ++o) {
    int rest = o;
    index_t shift = 0;
    for (int mu = d - 1; mu >= 0; --mu) {  // last direction fastest, as Geometry::stencil
      shift += index_t(rest % k - r) * stride[mu];
      rest /= k;
    }
    disp[o] = shift;
  }
  row_starts_ = to_device("halo.row_starts", starts);
  source_rows_ = to_device("halo.source_rows", sources);
  displacements_ = to_device("halo.displacements", disp);
  for (auto& shift : disp) shift = -shift;
  mirrored_ = to_device("halo.mirrored_displacements", disp);
}

namespace {
// The r wrapped sites on either side of a padded row whose interior dst[r ..
// r + L) holds the lattice row src; the left halo starts at site `left` =
// -r mod L. Radius 1 (kernel 3, the default) without the wrap-around loops.
template <class T>
KOKKOS_INLINE_FUNCTION void copy_row_halos(const T* src, T* dst, int L, int r, int left) {
  if (r == 1) {
    dst[0] = src[L - 1];
    dst[L + 1] = src[0];
    return;
  }
  for (int j = 0, x = left; j < r; ++j, x = x + 1 < L ? x + 1 : 0) dst[j] = src[x];
  for (int j = 0, x = 0; j < r; ++j, x = x + 1 < L ? x + 1 : 0) dst[r + L + j] = src[x];
}
// One padded row: the lattice row src (L sites) with its halos.
template <class T>
KOKKOS_INLINE_FUNCTION void copy_padded_row(const T* src, T* dst, int L, int r, int left) {
  for (int j = 0; j < L; ++j) dst[r + j] = src[j];
  copy_row_halos(src, dst, L, r, left);
}
// The host's copy_padded_row: the interior in chunks of one AVX register (a
// memcpy of constant size is one vector move). On 8-site rows the element
// loops cost more than the copy (the halo fill was 15 % of a float32 forward
// pass).
template <class T>
inline void copy_padded_row_host(const T* src, T* dst, int L, int r, int left) {
  constexpr int kChunk = 32 / int(sizeof(T));
  int j = 0;
  for (; j + kChunk <= L; j += kChunk) std::memcpy(dst + r + j, src + j, sizeof(T) * kChunk);
  for (; j < L; ++j) dst[r + j] = src[j];
  copy_row_halos(src, dst, L, r, left);
}
}  // namespace

template <class T>
void PeriodicHalo::fill(const TensorOf<T>& in, index_t n, const TensorOf<T>& padded) const {
  const int channels = int(in.extent(1));
  if (index_t(padded.extent(0)) < n || int(padded.extent(1)) != channels ||
      index_t(padded.extent(2)) != padded_volume_)
    throw RuntimeFailure("periodic halo: padded tensor does not match its input");
  const int r = radius_, L = row_length_, P = padded_row_length_;
  const int left = ((-r) % L + L) % L;  // the site the left halo's first element copies
  const index_t padded_volume = padded_volume_;
  const index_t n_padded_rows = index_t(source_rows_.extent(0));
  const auto sources = source_rows_;
  if (Kokkos::SpaceAccessibility<Kokkos::HostSpace, MemSpace>::accessible) {
    // Host threads: one work item per (config, channel) runs through the
    // padded rows (long contiguous copies; few, large items).
    Kokkos::parallel_for(
        "flow.halo.fill", batch_site_policy(n, channels), KOKKOS_LAMBDA(index_t b, index_t c) {
          T* channel = &padded(b, c, 0);
          // the slack: a constant count, so stores rather than a call to memset
          // for 64 bytes (which cost a quarter of the fill)
          T* slack = channel + n_padded_rows * P;
          for (index_t i = 0; i < kReadSlack; ++i) slack[i] = 0;
          for (index_t pr = 0; pr < n_padded_rows; ++pr)
            copy_padded_row_host(&in(b, c, sources(pr)), &padded(b, c, pr * P), L, r, left);
        });
  } else {
    // Devices: one work item per (config, channel x padded row, or the slack),
    // so a batch gives tens of thousands of threads.
    const index_t items = index_t(channels) * (n_padded_rows + 1);
    Kokkos::parallel_for(
        "flow.halo.fill", batch_site_policy(n, items), KOKKOS_LAMBDA(index_t b, index_t i) {
          const index_t c = i / (n_padded_rows + 1), pr = i % (n_padded_rows + 1);
          if (pr == n_padded_rows) {
            T* channel = &padded(b, c, 0);
            for (index_t k = n_padded_rows * P; k < padded_volume; ++k) channel[k] = 0;
          } else {
            copy_padded_row(&in(b, c, sources(pr)), &padded(b, c, pr * P), L, r, left);
          }
        });
  }
}

template void PeriodicHalo::fill(const TensorOf<float>&, index_t, const TensorOf<float>&) const;
template void PeriodicHalo::fill(const TensorOf<double>&, index_t, const TensorOf<double>&) const;

}  // namespace flowlat
