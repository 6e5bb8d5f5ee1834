// KeptProposals: the proposals of one block that the independence chain keeps
// (ChainBlock::kept), brought to rank 0, which writes the chain. Every rank
// measures the kept proposals it generated itself (batched, RowMeasurer) and
// sends their configurations and measurements (one MPI_Gatherv per block);
// rank 0 receives them in proposal order. Nothing else of a block travels
// but the log-weights (FlowProposer), so the traffic is (accepted proposals)
// x (configuration + observables) instead of every configuration of the block.
#pragma once
#include <vector>

#include "flowlat/core/mpi_context.hpp"
#include "flowlat/core/types.hpp"
#include "flowlat/mcmc/chain_block.hpp"
#include "row_measurer.hpp"

namespace flowlat {

class KeptProposals {
 public:
  // Blocks of `block_size` proposals split over the ranks as MpiContext::split.
  KeptProposals(const MpiContext& mpi, RowMeasurer& measurer, index_t dof, index_t block_size);
  KeptProposals(const KeptProposals&) = delete;
  KeptProposals& operator=(const KeptProposals&) = delete;
  ~KeptProposals();

  // Collective. `mine`: this rank's proposals of the block (device, row i is
  // proposal block.first + share.begin + i). Afterwards rank 0 holds the
  // configuration of every block.kept[k] and the measurement of those
  // block.measured marks.
  void collect(const ChainBlock& block, const Field& mine);
  // Rank 0, after collect and until the next one: kept proposal k's
  // configuration ([1][dof], a view into the received rows) and measurement
  // row (RowMeasurer's layout; NaN where not measured).
  FieldHost configuration(std::int64_t k);
  const double* measurement(std::int64_t k) const;

 private:
  MpiContext mpi_;
  RowMeasurer& measurer_;
  index_t dof_, width_;
  std::vector<ChainRange> shares_;  // every rank's part of a block
  // one kept proposal on the wire: its configuration, then its measurement
  MPI_Datatype row_type_ = MPI_DATATYPE_NULL;
  FieldHost mine_host_;
  std::vector<double> measured_, send_;  // [rows][width], [rows][dof + width]
  std::vector<int> counts_, displs_;
  std::vector<double> received_;  // rank 0: [kept][dof + width], read in place
};

}  // namespace flowlat
