// run.resume: the checks that an existing ensemble may be continued by this
// run (same command, same chain-defining input, a production count that only
// grows, the same model) and where it continues.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "flowlat/core/config.hpp"
#include "flowlat/core/mpi_context.hpp"
#include "flowlat/io/ensemble_writer.hpp"

namespace flowlat {

// Rank 0's verdict to every rank: a non-empty message is thrown as the same
// InputError everywhere, so no rank is left waiting in a collective call.
void share_verdict(const MpiContext& mpi, std::string error);

// What fixes the chains of one command, for comparing a resumed run's input
// with the input recorded in its file.
struct ResumeKeys {
  std::string command;  // "hmc", "sample"
  std::string sampler;  // the file's root attribute `sampler`: "hmc", "flow_mh"
  // Sections whose keys define the chains, besides run.seed, run.start,
  // lattice.* and theory.* (always): {"hmc"}; hybrid {"hybrid", "hmc", "flow"}.
  std::vector<std::string> sections;
  std::string steps_key;  // the production count: the one key that may grow
  std::string therm_key, save_every_key;
  // Keys of those sections that do not change the chains (a file path whose
  // contents are checked instead, a batch size, another command's counts).
  std::vector<std::string> free_keys;
  // The flow's parameter hash (sample, hybrid; empty: no model), compared
  // with the file's /model params_hash.
  std::string params_hash;
};

struct ResumeStart {
  bool resume = false;    // continue run.output
  bool finished = false;  // the file is complete at this production count: nothing to do
  ResumePoint point;
};

// Collective. Without run.resume: {resume = false}. With it, rank 0 opens
// run.output read-only and checks, in this order, that it is a flowlat
// ensemble written by keys.sampler with a chain state (/resume), that every
// chain-defining key equals the recorded one (theory.name first), that
// keys.steps_key does not shrink, that the model hash is the recorded one,
// and that its datasets are those of `layout`; then finds the resume point
// (find_resume_point). InputError naming the key (or run.output) on every
// rank; the file is not changed.
ResumeStart check_resume(const MpiContext& mpi, const Config& config, const ResumeKeys& keys,
                         const EnsembleLayout& layout);

// The state in slot point.slot of chains first .. first+count-1 (every rank
// reads its own, read-only, before the writer opens the file): the field
// into rows 0..count-1 of `field` and the layout.state_reals values.
ChainState read_chain_state(const std::string& path, const ResumePoint& point,
                            const EnsembleLayout& layout, std::int64_t first, std::int64_t count,
                            const FieldHost& field);

// One line for the log: where the run continues.
std::string resume_note(const std::string& path, const ResumePoint& point, const std::string& unit,
                        std::int64_t thermalization);

}  // namespace flowlat
