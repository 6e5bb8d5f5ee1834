// Geometry: index arithmetic on the host, tables copied to the device once.
#include "flowlat/lattice/geometry.hpp"

#include "flowlat/core/error.hpp"

namespace flowlat {

Geometry::Geometry(std::vector<int> extents) : extents_(std::move(extents)) {
  if (extents_.empty() || int(extents_.size()) > kMaxDim)
    throw InputError("lattice.shape: " + std::to_string(extents_.size()) +
                     " extents given, 1 to " + std::to_string(kMaxDim) + " supported");
  for (int L : extents_)
    if (L <= 0) throw InputError("lattice.shape: extents must be positive, got " + std::to_string(L));
  const int d = dim();
  strides_.assign(d, 1);
  for (int mu = d - 2; mu >= 0; --mu) strides_[mu] = strides_[mu + 1] * extents_[mu + 1];
  volume_ = strides_[0] * extents_[0];

  fwd_ = SiteTable("geometry.forward", volume_, d);
  bwd_ = SiteTable("geometry.backward", volume_, d);
  auto fwd_h = Kokkos::create_mirror_view(fwd_);
  auto bwd_h = Kokkos::create_mirror_view(bwd_);
  for (index_t x = 0; x < volume_; ++x)
    for (int mu = 0; mu < d; ++mu) {
      fwd_h(x, mu) = shifted(x, mu, +1);
      bwd_h(x, mu) = shifted(x, mu, -1);
    }
  Kokkos::deep_copy(fwd_, fwd_h);
  Kokkos::deep_copy(bwd_, bwd_h);

  if (checkerboard_ok()) {
    parity_sites_ = SiteTable("geometry.parity_sites", 2, volume_ / 2);
    auto par_h = Kokkos::create_mirror_view(parity_sites_);
    index_t count[2] = {0, 0};
    for (index_t x = 0; x < volume_; ++x) {
      const int p = parity(x);
      par_h(p, count[p]++) = x;
    }
    Kokkos::deep_copy(parity_sites_, par_h);
  }
}

std::string Geometry::shape_string() const {
  std::string s;
  for (int mu = 0; mu < dim(); ++mu) s += (mu ? "x" : "") + std::to_string(extents_[mu]);
  return s;
}

index_t Geometry::site(const std::array<int, kMaxDim>& x) const {
  index_t s = 0;
  for (int mu = 0; mu < dim(); ++mu) {
    const int L = extents_[mu];
    s += index_t(((x[mu] % L) + L) % L) * strides_[mu];
  }
  return s;
}

std::array<int, kMaxDim> Geometry::coords(index_t site) const {
  std::array<int, kMaxDim> x{0, 0, 0, 0};
  for (int mu = 0; mu < dim(); ++mu) x[mu] = int((site / strides_[mu]) % extents_[mu]);
  return x;
}

index_t Geometry::shifted(index_t site, int mu, int step) const {
  auto x = coords(site);
  x[mu] += step;
  return this->site(x);
}

int Geometry::parity(index_t site) const {
  const auto x = coords(site);
  int sum = 0;
  for (int mu = 0; mu < dim(); ++mu) sum += x[mu];
  return sum % 2;
}

bool Geometry::checkerboard_ok() const {
  for (int L : extents_)
    if (L % 2 != 0) return false;
  return true;
}

int Geometry::stencil_size(int k, int d) {
  int n = 1;
  for (int mu = 0; mu < d; ++mu) n *= k;
  return n;
}

SiteTable Geometry::stencil(int k) const {
  if (k <= 0 || k % 2 == 0)
    throw InputError("stencil: kernel size must be odd and positive, got " + std::to_string(k));
  const int d = dim(), n = stencil_size(k, d), r = k / 2;
  SiteTable table("geometry.stencil_k" + std::to_string(k), volume_, n);
  auto h = Kokkos::create_mirror_view(table);
  for (index_t x = 0; x < volume_; ++x) {
    const auto c = coords(x);
    for (int o = 0; o < n; ++o) {
      auto y = c;
      int rest = o;
      for (int mu = d - 1; mu >= 0; --mu) {  // last direction fastest
        y[mu] += rest % k - r;
        rest /= k;
      }
      h(x, o) = site(y);
    }
  }
  Kokkos::deep_copy(table, h);
  return table;
}

}  // namespace flowlat
