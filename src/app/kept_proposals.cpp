// KeptProposals: measure the own kept proposals, then two Gatherv to rank 0
// (configurations, measurements), counted in rows of MPI types so that large
// fields do not overflow int counts.
#include "kept_proposals.hpp"

#include <algorithm>
#include <limits>

namespace flowlat {

namespace {
MPI_Datatype row_type(index_t doubles) {
  MPI_Datatype type;
  MPI_Type_contiguous(int(doubles), MPI_DOUBLE, &type);
  MPI_Type_commit(&type);
  return type;
}
}  // namespace

KeptProposals::KeptProposals(const MpiContext& mpi, RowMeasurer& measurer, index_t dof,
                             index_t block_size)
    : mpi_(mpi),
      measurer_(measurer),
      dof_(dof),
      width_(measurer.width()),
      counts_(mpi.size()),
      displs_(mpi.size()) {
  for (int r = 0; r < mpi.size(); ++r) shares_.push_back(MpiContext::split(block_size, r, mpi.size()));
  config_type_ = row_type(dof_);
  measurement_type_ = row_type(std::max<index_t>(width_, 1));
  if (mpi.is_root()) {
    configs_ = FieldHost("kept.configs", std::max<index_t>(block_size, 1), dof_);
    measurements_.resize(std::size_t(std::max<index_t>(block_size, 1) * std::max<index_t>(width_, 1)));
  }
}

KeptProposals::~KeptProposals() {
  MPI_Type_free(&config_type_);
  MPI_Type_free(&measurement_type_);
}

void KeptProposals::collect(const ChainBlock& block, const Field& mine) {
  // kept is ascending and every rank's share a contiguous range in rank
  // order: rank r sends kept[displs_[r] .. + counts_[r])
  const auto rank_of_first = [&](int r) {
    return std::lower_bound(block.kept.begin(), block.kept.end(), block.first + shares_[r].begin) -
           block.kept.begin();
  };
  for (int r = 0; r < mpi_.size(); ++r) {
    displs_[r] = int(rank_of_first(r));
    counts_[r] = int((r + 1 < mpi_.size() ? rank_of_first(r + 1) : std::int64_t(block.kept.size())) -
                     displs_[r]);
  }
  const int me = mpi_.rank(), lo = displs_[me], n = counts_[me];
  const std::int64_t offset = block.first + shares_[me].begin;  // proposal id of row 0 of `mine`

  std::vector<index_t> measured_rows, measured_at;
  for (int k = 0; k < n; ++k)
    if (block.measured[std::size_t(lo + k)]) {
      measured_rows.push_back(index_t(block.kept[std::size_t(lo + k)] - offset));
      measured_at.push_back(k);
    }
  const std::size_t width = std::size_t(std::max<index_t>(width_, 1));
  send_measurements_.assign(std::size_t(n) * width, std::numeric_limits<double>::quiet_NaN());
  std::vector<double> measured(measured_rows.size() * width);
  measurer_.measure(mine, measured_rows, measured.data());
  for (std::size_t j = 0; j < measured_at.size(); ++j)
    std::copy_n(measured.begin() + j * width, width,
                send_measurements_.begin() + std::size_t(measured_at[j]) * width);

  if (n > 0) {
    if (mine_host_.extent(0) != mine.extent(0)) mine_host_ = Kokkos::create_mirror_view(HostSpace(), mine);
    Kokkos::deep_copy(mine_host_, mine);
  }
  send_configs_.resize(std::size_t(n) * std::size_t(dof_));
  for (int k = 0; k < n; ++k) {
    const index_t row = index_t(block.kept[std::size_t(lo + k)] - offset);
    std::copy_n(&mine_host_(row, 0), dof_, send_configs_.begin() + std::size_t(k) * std::size_t(dof_));
  }
  MPI_Gatherv(send_configs_.data(), n, config_type_, mpi_.is_root() ? configs_.data() : nullptr,
              counts_.data(), displs_.data(), config_type_, 0, mpi_.comm());
  MPI_Gatherv(send_measurements_.data(), n, measurement_type_,
              mpi_.is_root() ? measurements_.data() : nullptr, counts_.data(), displs_.data(),
              measurement_type_, 0, mpi_.comm());
}

FieldHost KeptProposals::configuration(std::int64_t k) const {
  return Kokkos::subview(configs_, std::make_pair(index_t(k), index_t(k + 1)), Kokkos::ALL);
}

const double* KeptProposals::measurement(std::int64_t k) const {
  return measurements_.data() + std::size_t(k) * std::size_t(std::max<index_t>(width_, 1));
}

}  // namespace flowlat
