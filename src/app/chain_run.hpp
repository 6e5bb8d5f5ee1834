// The shared driver of independent-chain samplers (HMC, local Metropolis):
// start, thermalize, update, measure, write blocks, summarise.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "flowlat/core/config.hpp"
#include "flowlat/core/mpi_context.hpp"
#include "flowlat/mcmc/chain_update.hpp"
#include "flowlat/theory/theory.hpp"
#include "output_lock.hpp"

namespace flowlat {

// The keys of one sampler section: <section>.chains, .thermalization,
// .save_every and the production count `steps_key`; for run.resume, the
// other sections whose keys define the chains and the keys of them that do
// not (run_resume.hpp).
struct ChainRunKeys {
  std::string section;    // "hmc"
  std::string steps_key;  // "hmc.trajectories"
  std::string unit;       // "traj"
  std::vector<std::string> also_checked = {};  // hybrid: {"hmc", "flow"}
  std::vector<std::string> free_keys = {};     // hybrid: hmc.trajectories, flow.model, ...
};

// Checks (on rank 0, result shared) that the file named by `key` (run.output,
// flow.model) can be written: creates its directory; refuses a path that
// exists and is not a regular file (/dev/null, a directory, a FIFO), is one of
// the run's inputs (the files named by `input_keys`, and the --config file),
// lies in /proc or /sys, or exists without run.overwrite; for run.output
// with run.resume, one that does not exist, and run.overwrite with it; then
// takes "<path>.lock" (OutputLock), which the caller holds until the file is
// written. InputError naming `key` on every rank.
[[nodiscard]] OutputLock prepare_output(const MpiContext& mpi, const Config& config,
                                        const std::string& key = "run.output",
                                        const std::vector<std::string>& input_keys = {});

// Runs the chains of `local` (global ids local.begin, ...) with `update`,
// writing the ensemble to run.output, or continuing it (run.resume: from the
// chain state the file holds, bit for bit as one uninterrupted run).
// `model`: the /model attributes of the flow the update uses (hybrid; its
// params_hash must match on resume), empty for none. Collective. Returns
// the exit code: 0, or kExitStoppedBySignal when a stop signal ended the run
// early (what was sampled is flushed with the chain state, the file stays
// complete = 0).
int run_chains(const MpiContext& mpi, const Config& config, const Invocation& inv,
               const ChainRunKeys& keys, const Theory& theory, ChainUpdate& update,
               ChainRange local,
               const std::vector<std::pair<std::string, std::string>>& model = {});

}  // namespace flowlat
