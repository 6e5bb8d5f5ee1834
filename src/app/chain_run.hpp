// The shared driver of independent-chain samplers (HMC, local Metropolis):
// start, thermalize, update, measure, write blocks, summarise.
#pragma once
#include <string>

#include "commands.hpp"
#include "flowlat/core/config.hpp"
#include "flowlat/core/mpi_context.hpp"
#include "flowlat/mcmc/chain_update.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat {

// The keys of one sampler section: <section>.chains, .thermalization,
// .save_every and the production count `steps_key`.
struct ChainRunKeys {
  std::string section;    // "hmc"
  std::string steps_key;  // "hmc.trajectories"
  std::string unit;       // "traj"
};

// Checks (on rank 0, result shared) that the file named by `key` (run.output,
// flow.model) can be written: creates its directory, refuses an existing file
// unless run.overwrite. InputError naming `key`.
void prepare_output(const MpiContext& mpi, const Config& config,
                    const std::string& key = "run.output");

// Runs the chains of `local` (global ids local.begin, ...) with `update`,
// writing the ensemble to run.output. Collective.
void run_chains(const MpiContext& mpi, const Config& config, const Invocation& inv,
                const ChainRunKeys& keys, const Theory& theory, ChainUpdate& update,
                ChainRange local);

}  // namespace flowlat
