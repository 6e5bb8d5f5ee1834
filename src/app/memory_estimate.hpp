// A lower bound of the memory a run needs, checked against the machine before
// anything is allocated: a lattice or batch that cannot fit is bad input, not
// an out-of-memory kill minutes later with a half-written file.
#pragma once
#include <string>

#include "flowlat/core/config.hpp"
#include "flowlat/core/mpi_context.hpp"

namespace flowlat {

// Collective. `command` is hmc, metropolis, train or sample. Throws the same
// InputError on every rank, naming the key that sets the size (the per-rank
// chain or batch count, or lattice.shape), when the ranks sharing a node need
// more than its physical memory.
void check_memory_estimate(const MpiContext& mpi, const Config& config, const std::string& command);

}  // namespace flowlat
