// Periodic d-dimensional lattice (d = 1..4): site <-> coordinates, neighbour,
// parity and stencil tables, built once on the host and kept on the device.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "flowlat/core/types.hpp"

namespace flowlat {

inline constexpr int kMaxDim = 4;

// Sites are numbered row-major: the last direction runs fastest, so a field
// [site] is the C-order array FFTW expects with n = extents. Direction 0 is
// the "time" direction of correlators C(t).
class Geometry {
 public:
  explicit Geometry(std::vector<int> extents);

  int dim() const { return int(extents_.size()); }
  const std::vector<int>& extents() const { return extents_; }
  int extent(int mu) const { return extents_[mu]; }
  // site = sum_mu x_mu stride(mu); stride(d - 1) = 1.
  index_t stride(int mu) const { return strides_[mu]; }
  index_t volume() const { return volume_; }
  std::string shape_string() const;  // "8x8"

  // Host-side index arithmetic (tests, I/O, FFT post-processing).
  index_t site(const std::array<int, kMaxDim>& x) const;
  std::array<int, kMaxDim> coords(index_t site) const;
  index_t shifted(index_t site, int mu, int step) const;
  int parity(index_t site) const;  // (sum of coordinates) mod 2
  // True when every extent is even, which a checkerboard needs.
  bool checkerboard_ok() const;

  // Device tables: fwd(x, mu) = x + mu-hat, bwd(x, mu) = x - mu-hat.
  SiteTable forward() const { return fwd_; }
  SiteTable backward() const { return bwd_; }
  // Sites of one parity, for checkerboard updates: [parity][i].
  SiteTable sites_of_parity() const { return parity_sites_; }
  index_t sites_per_parity() const { return volume_ / 2; }

  // Stencil of a k^d box (k odd) centred on each site, offsets in row-major
  // order of (-r..r)^d: table(x, o) = x + offset_o, periodic. The flow
  // convolutions are gathers through this table.
  SiteTable stencil(int k) const;
  static int stencil_size(int k, int d);

 private:
  std::vector<int> extents_;
  std::vector<index_t> strides_;
  index_t volume_ = 0;
  SiteTable fwd_, bwd_, parity_sites_;
};

}  // namespace flowlat
