// A copy of a Tensor with a periodic halo of width r around the lattice, so
// that every stencil offset of a convolution becomes one constant shift of the
// index: out[x] gathers in_padded[start(x) + displacement(o)], and consecutive
// sites along the last direction read consecutive memory (SIMD loads).
#pragma once
#include "flowlat/flow/tensor.hpp"
#include "flowlat/lattice/geometry.hpp"

namespace flowlat {

class PeriodicHalo {
 public:
  // A halo of `radius` sites in every direction (radius = kernel / 2).
  PeriodicHalo(const Geometry& g, int radius);

  // Elements per channel of a padded tensor: the padded lattice, then
  // kReadSlack zeros, so loads of a few lanes past a row's end stay inside
  // and read finite values.
  index_t padded_volume() const { return padded_volume_; }
  static constexpr index_t kReadSlack = 16;

  // Lattice rows along the last direction: row i holds sites
  // i * row_length() .. (i + 1) * row_length() - 1.
  index_t rows() const { return index_t(row_starts_.extent(0)); }
  int row_length() const { return row_length_; }
  // [row]: padded index of the row's first site.
  SiteList row_starts() const { return row_starts_; }
  // [o]: padded index of x + offset_o minus that of x, offsets row-major over
  // (-r..r)^d as in Geometry::stencil; entry n - 1 - o is minus entry o.
  SiteList displacements() const { return displacements_; }
  // [o]: minus displacements()[o], for gathers through the mirrored stencil.
  SiteList mirrored_displacements() const { return mirrored_; }

  // padded = in with its halo (and zero slack), configs 0..n-1, all channels;
  // padded is [>=n][channels][padded_volume()]. T: float or double.
  template <class T>
  void fill(const TensorOf<T>& in, index_t n, const TensorOf<T>& padded) const;

 private:
  int radius_, row_length_, padded_row_length_;
  index_t padded_volume_;
  SiteList row_starts_, displacements_, mirrored_;
  SiteList source_rows_;  // [padded row]: first site of the lattice row it copies
};

}  // namespace flowlat
