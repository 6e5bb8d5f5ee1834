// KeptProposals: measure the own kept proposals, pack each with its
// configuration into one row, and one Gatherv of rows to rank 0 (counted in
// rows of an MPI type, so that large fields do not overflow int counts),
// which reads them where they arrived.
#include "kept_proposals.hpp"

#include <algorithm>
#include <limits>

namespace flowlat {

KeptProposals::KeptProposals(const MpiContext& mpi, RowMeasurer& measurer, index_t dof,
                             index_t block_size)
    : mpi_(mpi),
      measurer_(measurer),
      dof_(dof),
      width_(measurer.width()),
      counts_(mpi.size()),
      displs_(mpi.size()) {
  for (int r = 0; r < mpi.size(); ++r) shares_.push_back(MpiContext::split(block_size, r, mpi.size()));
  MPI_Type_contiguous(int(dof_ + width_), MPI_DOUBLE, &row_type_);
  MPI_Type_commit(&row_type_);
  if (mpi.is_root()) received_.resize(std::size_t(std::max<index_t>(block_size, 1) * (dof_ + width_)));
}

KeptProposals::~KeptProposals() { MPI_Type_free(&row_type_); }

void KeptProposals::collect(const ChainBlock& block, const Field& mine) {
  // kept is ascending and every rank's share a contiguous range in rank
  // order: rank r sends kept[displs_[r] .. + counts_[r])
  const auto first_kept_of = [&](int r) {
    if (r == mpi_.size()) return std::int64_t(block.kept.size());
    return std::int64_t(std::lower_bound(block.kept.begin(), block.kept.end(),
                                         block.first + shares_[r].begin) -
                        block.kept.begin());
  };
  for (int r = 0; r < mpi_.size(); ++r) {
    displs_[r] = int(first_kept_of(r));
    counts_[r] = int(first_kept_of(r + 1) - displs_[r]);
  }
  const int me = mpi_.rank(), lo = displs_[me], n = counts_[me];
  const std::int64_t offset = block.first + shares_[me].begin;  // proposal id of row 0 of `mine`
  const auto row_of = [&](int k) { return index_t(block.kept[std::size_t(lo + k)] - offset); };

  std::vector<index_t> measured_rows;
  for (int k = 0; k < n; ++k)
    if (block.measured[std::size_t(lo + k)]) measured_rows.push_back(row_of(k));
  measured_.resize(measured_rows.size() * std::size_t(width_));
  measurer_.measure(mine, measured_rows, measured_.data());

  if (n > 0) {
    if (mine_host_.extent(0) != mine.extent(0)) mine_host_ = Kokkos::create_mirror_view(HostSpace(), mine);
    Kokkos::deep_copy(mine_host_, mine);
  }
  const std::size_t dof = std::size_t(dof_), width = std::size_t(width_);
  send_.resize(std::size_t(n) * (dof + width));
  auto out = send_.begin();
  auto measured = measured_.cbegin();
  for (int k = 0; k < n; ++k) {
    out = std::copy_n(&mine_host_(row_of(k), 0), dof, out);
    if (block.measured[std::size_t(lo + k)]) {
      out = std::copy_n(measured, width, out);
      measured += std::ptrdiff_t(width);
    } else {
      out = std::fill_n(out, width, std::numeric_limits<double>::quiet_NaN());
    }
  }
  MPI_Gatherv(send_.data(), n, row_type_, mpi_.is_root() ? received_.data() : nullptr,
              counts_.data(), displs_.data(), row_type_, 0, mpi_.comm());
}

FieldHost KeptProposals::configuration(std::int64_t k) {
  // one row of dof contiguous doubles: a [1][dof] LayoutRight view, no copy
  return FieldHost(received_.data() + std::size_t(k) * std::size_t(dof_ + width_), 1, dof_);
}

const double* KeptProposals::measurement(std::int64_t k) const {
  return received_.data() + std::size_t(k) * std::size_t(dof_ + width_) + std::size_t(dof_);
}

}  // namespace flowlat
