// Nearest neighbours of the sites of one lattice row (a line along the last,
// fastest direction) without the site tables: along the row they are the
// next and previous site (wrapping at the ends), across it the same column
// of the neighbouring rows, whose starts are worked out once per row. A
// kernel that walks a row this way reads only the field; through
// Geometry::forward()/backward() it also streams 2d indices per site, which
// on a large lattice is more memory traffic than the field itself.
#pragma once
#include "flowlat/core/types.hpp"
#include "flowlat/lattice/geometry.hpp"

namespace flowlat {

struct RowNeighbours {
  int dim = 1;
  int row_length = 1;  // extent of the last direction
  index_t rows = 1;    // volume / row_length
  index_t stride[kMaxDim] = {};
  index_t row_stride[kMaxDim] = {};  // stride in rows (directions mu < dim - 1)
  int extent[kMaxDim] = {};

  explicit RowNeighbours(const Geometry& g)
      : dim(g.dim()), row_length(g.extent(g.dim() - 1)), rows(g.volume() / row_length) {
    for (int mu = 0; mu < dim; ++mu) {
      stride[mu] = g.stride(mu);
      row_stride[mu] = stride[mu] / row_length;
      extent[mu] = g.extent(mu);
    }
  }

  // First sites of row `row` and of its neighbour rows in directions
  // mu < dim - 1: fwd[mu] = the row at +mu-hat, bwd[mu] at -mu-hat.
  KOKKOS_INLINE_FUNCTION index_t row_starts(index_t row, index_t* fwd, index_t* bwd) const {
    const index_t x0 = row * row_length;
    for (int mu = 0; mu + 1 < dim; ++mu) {
      // the row's coordinate mu; the next-to-last direction has row stride
      // 1 and the first needs no modulo, so a 2D lattice divides nothing
      // (a 64-bit division per row cost as much as a short row's arithmetic)
      const index_t q = mu + 2 == dim ? row : row / row_stride[mu];
      const int c = int(mu == 0 ? q : q % extent[mu]);
      const index_t wrap = index_t(extent[mu] - 1) * stride[mu];
      fwd[mu] = c + 1 < extent[mu] ? x0 + stride[mu] : x0 - wrap;
      bwd[mu] = c > 0 ? x0 - stride[mu] : x0 + wrap;
    }
    return x0;
  }
  // Column j's neighbours along the row.
  KOKKOS_INLINE_FUNCTION int next(int j) const { return j + 1 < row_length ? j + 1 : 0; }
  KOKKOS_INLINE_FUNCTION int previous(int j) const { return j > 0 ? j - 1 : row_length - 1; }
};

}  // namespace flowlat
