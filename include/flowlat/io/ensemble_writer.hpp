// EnsembleWriter: every rank writes its chains into one shared HDF5 file
// (parallel HDF5, MPI-IO), block by block; layout in docs/FILE_FORMAT.md.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "flowlat/core/config.hpp"
#include "flowlat/core/mpi_context.hpp"
#include "flowlat/core/types.hpp"
#include "flowlat/io/resume_point.hpp"

namespace flowlat {

// What an ensemble file holds besides its attributes; the same on every rank.
struct EnsembleLayout {
  std::int64_t n_chain = 0;                  // global number of chains (>= 1)
  std::vector<std::int64_t> field_shape;     // one configuration, e.g. {8, 8}
  std::vector<std::string> obs_names;        // /ensemble/obs/<name>   [n_chain][n_saved] float64
  // Observables whose expectation a symmetry fixes (phi4: <M> = 0), written
  // as the attribute `expectation_by_symmetry` of their dataset: `analyze`
  // flags a chain whose mean disagrees as not mixing.
  std::vector<std::pair<std::string, double>> obs_by_symmetry;
  std::vector<std::pair<std::string, std::int64_t>> corr;  // /ensemble/corr/<name> [n_chain][n_saved][len] float64
  std::vector<std::string> record_reals;     // /ensemble/mcmc/<name>  [n_chain][n_records] float64 (e.g. "dH")
  std::vector<std::string> record_flags;     // /ensemble/mcmc/<name>  [n_chain][n_records] int8 (e.g. "accept")
  // Per-chain numbers a sampler needs besides the field to continue exactly
  // (flow-MH: the current state's proposal id and log-weight): /resume/<name>.
  std::vector<std::string> state_reals;
};

// The state of every local chain after `updates` updates (thermalization
// included: the next update has RNG step `updates`), written with a flush so
// that run.resume continues exactly where the file ends.
struct ChainState {
  std::int64_t updates = 0;
  FieldHost field;                          // [>= local.count][dof]: the current configurations
  std::vector<std::vector<double>> values;  // one per layout.state_reals, local.count each
};

class EnsembleWriter {
 public:
  // Collective. Creates `path`; if it exists and !overwrite, every rank throws
  // InputError("run.output: file '<path>' exists; set run.overwrite = true to
  // replace it"). Writes the root and /config attributes and creates every
  // dataset empty (n_saved = n_records = 0), extendible along axis 1.
  // `local`: this rank's chains (count may be 0).
  EnsembleWriter(const MpiContext& mpi, const std::string& path, bool overwrite,
                 const EnsembleLayout& layout, const Config& config,
                 const std::string& command_line, const std::string& sampler, ChainRange local);
  // Collective. Continues the existing ensemble `path` (run.resume), whose
  // layout the caller has checked: cuts every series to at.n_saved /
  // at.n_records entries (what lies beyond is an unfinished block), keeps the
  // state of slot at.slot, removes /ensemble/summary, sets complete = 0,
  // records `config` as the input (/config, root `input`) and appends a line
  // on this run to the root attribute `resumed`.
  EnsembleWriter(const MpiContext& mpi, const std::string& path, const EnsembleLayout& layout,
                 const Config& config, const std::string& command_line, ChainRange local,
                 const ResumePoint& at);
  EnsembleWriter(const EnsembleWriter&) = delete;
  EnsembleWriter& operator=(const EnsembleWriter&) = delete;
  // Closes cleanly, complete stays 0, if finish() was never called (e.g. after
  // an exception); what is still buffered is dropped. Never throws.
  ~EnsembleWriter();

  // Buffers one saved configuration for each local chain. configs: host view
  // [>= local.count][dof] (the first local.count rows are used); obs: one vector
  // per layout.obs_names entry, each of size local.count; corr: one vector per
  // layout.corr entry, size local.count * len, chain-major.
  void add_saved(const FieldHost& configs, const std::vector<std::vector<double>>& obs,
                 const std::vector<std::vector<double>>& corr);
  // Buffers one MCMC record for each local chain: reals[k] (layout.record_reals
  // order) and flags[k] (layout.record_flags order) have size local.count.
  void add_record(const std::vector<std::vector<double>>& reals,
                  const std::vector<std::vector<int>>& flags);
  // Saved configurations buffered since the last flush (same on every rank).
  std::int64_t buffered_saved() const;
  std::int64_t buffered_records() const;

  // Collective, once, before the first flush: a group /<group> (e.g. "model":
  // the flow a flow-MH ensemble was sampled with) holding `attrs` as string
  // attributes, in order; rank 0's values are written.
  void write_group_attributes(const std::string& group,
                              const std::vector<std::pair<std::string, std::string>>& attrs);

  // Collective; every rank must have buffered the same counts (checked).
  // Extends the datasets by the buffered block, writes it (collective
  // transfer), updates /ensemble attrs n_saved and n_records, flushes the file.
  void flush();
  // The same, and `state` (the chains after the last buffered update) into
  // the /resume slot that does not hold the last committed state. The file
  // is flushed twice: data and state first, then the attributes that commit
  // them (n_saved, n_records, /resume updates), so a file cut anywhere holds
  // one committed state whose entries are all on disk. Writes the state even
  // with nothing buffered (a stop during thermalization), unless it is the
  // committed one already.
  void flush(const ChainState& state);
  // Collective, cheap: call once per update, after buffering it; when it is
  // true, call flush(). True when run.flush_seconds have passed since the last
  // flush (rank 0's clock, checked every so many calls: FlushSchedule), when
  // the buffer of the largest rank reaches run.flush_mib, or when
  // run.flush_every > 0 configurations are buffered. The same on every rank.
  bool flush_due();
  // Collective: flush(), writes the /ensemble/summary attributes, sets the
  // root attribute complete = 1 and closes the file.
  void finish(const std::vector<std::pair<std::string, double>>& summary);
  // The same, with the final state in both /resume slots (a finished run can
  // be extended, and its /resume does not depend on when it flushed).
  void finish(const std::vector<std::pair<std::string, double>>& summary, const ChainState& state);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowlat
