// Memory estimate: counts the field-sized arrays a command certainly holds
// (a lower bound: workspaces of the flow and HDF5 buffers come on top).
#include "memory_estimate.hpp"

#include <unistd.h>

#include <cstdio>

#include "flowlat/core/error.hpp"

namespace flowlat {

namespace {

std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return text;
}

double physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? double(pages) * double(page) : 0;
}

}  // namespace

void check_memory_estimate(const MpiContext& mpi, const Config& config,
                           const std::string& command) {
  double volume = 1;
  for (int L : config.get_int_list("lattice.shape")) volume *= L;
  const double dim = double(config.get_int_list("lattice.shape").size());

  // per rank: the largest share of the chains or of the batch, and how many
  // field-sized float64 arrays each element of it needs at least
  std::string count_key;
  double arrays = 0;
  if (command == "hmc" || command == "metropolis") {
    count_key = command + ".chains";
    // field, and for HMC momentum, force and the saved start of a trajectory
    // (the output buffer, at most run.flush_mib, is not certain: not counted)
    arrays = command == "hmc" ? 4 : 1;
  } else if (command == "hybrid") {
    count_key = "hybrid.chains";
    // HMC's four arrays, the flow's proposal and prior sample, its hidden
    // activations
    double hidden = 0;
    for (int h : config.get_int_list("flow.hidden")) hidden += h;
    arrays = 6 + hidden;
  } else if (command == "train" || command == "sample") {
    count_key = command + ".batch";
    // the field, log q, and one coupling's hidden activations
    double hidden = 0;
    for (int h : config.get_int_list("flow.hidden")) hidden += h;
    arrays = 2 + hidden;
  } else {
    return;
  }
  const double per_rank = double((config.get_int(count_key) + mpi.size() - 1) / mpi.size());
  // neighbour tables: 2 d index_t per site
  const double bytes = 8.0 * volume * (per_rank * arrays + 2 * dim);

  // every rank on a node shares its memory; all ranks agree on the numbers
  MPI_Comm node;
  MPI_Comm_split_type(mpi.comm(), MPI_COMM_TYPE_SHARED, mpi.rank(), MPI_INFO_NULL, &node);
  int on_node = 1;
  MPI_Comm_size(node, &on_node);
  MPI_Comm_free(&node);
  int most_on_node = on_node;
  MPI_Allreduce(&on_node, &most_on_node, 1, MPI_INT, MPI_MAX, mpi.comm());
  double memory = physical_memory(), least_memory = memory;
  MPI_Allreduce(&memory, &least_memory, 1, MPI_DOUBLE, MPI_MIN, mpi.comm());
  if (least_memory <= 0) return;  // unknown: nothing to compare with

  const double needed = bytes * most_on_node;
  if (needed <= least_memory) return;
  const std::string culprit = per_rank > volume ? count_key : "lattice.shape";
  throw InputError(culprit + ": lattice.shape = " + config.get_string("lattice.shape") + " with " +
                   count_key + " = " + std::to_string(config.get_int(count_key)) +
                   " needs at least " + gib(needed) + " per node (" + std::to_string(most_on_node) +
                   " ranks), the node has " + gib(least_memory));
}

}  // namespace flowlat
