// EnsembleReader: serial, read-only access to an ensemble file written by
// EnsembleWriter (layout in docs/FILE_FORMAT.md). Only the first n_saved /
// n_records entries along the series axis are read: the blocks that were
// completely written and flushed. A file still being written by this very
// process must not be opened (HDF5 would hand back the writer's open file):
// read it from another process, or a copy.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <optional>
#include <vector>

namespace flowlat {

class EnsembleReader {
 public:
  // InputError "<path>: cannot open HDF5 file" or
  // "<path>: not a flowlat ensemble (no /ensemble group)".
  explicit EnsembleReader(const std::string& path);
  ~EnsembleReader();
  EnsembleReader(EnsembleReader&&) noexcept;
  EnsembleReader& operator=(EnsembleReader&&) noexcept;

  const std::string& path() const;

  // A root attribute rendered as text: strings as they are, integers in
  // decimal, reals in the shortest form that reads back exactly, booleans as
  // true/false, arrays comma-separated. InputError if there is no such attribute.
  std::string root_attr(const std::string& name) const;
  bool has_root_attr(const std::string& name) const;
  // An attribute of the group /<group> (e.g. "model" of a flow-MH ensemble),
  // rendered like root_attr. InputError if there is no such group or attribute.
  std::string group_attr(const std::string& group, const std::string& name) const;
  bool complete() const;  // root attribute complete != 0

  std::int64_t n_chain() const;
  std::int64_t n_saved() const;    // per chain, completely flushed
  std::int64_t n_records() const;  // per chain, completely flushed
  std::vector<std::int64_t> field_shape() const;

  // Dataset names in the order the writer created them.
  std::vector<std::string> obs_names() const;
  std::vector<std::string> corr_names() const;
  std::vector<std::string> record_names() const;

  std::vector<double> obs(const std::string& name) const;
  // The value a symmetry fixes for observable `name` (its dataset attribute
  // expectation_by_symmetry), if any.
  std::optional<double> obs_expectation_by_symmetry(const std::string& name) const;   // [n_chain * n_saved], chain-major
  std::int64_t corr_length(const std::string& name) const;
  std::vector<double> corr(const std::string& name) const;  // [n_chain * n_saved * len]
  std::vector<double> record(const std::string& name) const;  // [n_chain * n_records], flags as 0/1
  std::vector<double> configs() const;                        // [n_chain * n_saved * dof]

  // Chains first .. first+count-1 of the series `name` (a path below
  // /ensemble: "configs", "obs/absM", "mcmc/accept"), the first `entries`
  // entries of each, whatever n_saved / n_records say (checked against the
  // extents). Chain-major, flags as 0/1.
  std::vector<double> rows(const std::string& name, std::int64_t first, std::int64_t count,
                           std::int64_t entries) const;
  // Entries per chain the series `name` holds (its extent along axis 1).
  std::int64_t stored_entries(const std::string& name) const;
  // /resume (docs/FILE_FORMAT.md): the update count whose chain state each of
  // the two slots holds (-1: none); empty if the file has no /resume.
  std::vector<std::int64_t> resume_updates() const;
  // /resume/<name> ("field", or a sampler's state value) of chains first ..
  // first+count-1 in `slot`: [count][dof] or [count].
  std::vector<double> resume_state(const std::string& name, int slot, std::int64_t first,
                                   std::int64_t count) const;

  // /config attribute "section.key" rendered like root_attr.
  std::string config_value(const std::string& key) const;
  bool has_config_value(const std::string& key) const;
  // Every /config key, in the order written (all_keys() order).
  std::vector<std::string> config_keys() const;
  // /ensemble/summary attributes in the order written (empty if none).
  std::vector<std::pair<std::string, double>> summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowlat
