// EnsembleWriter: parallel HDF5 (MPI-IO driver), one shared file. Every
// metadata call (create, attribute write, H5Dset_extent, flush, close) is made
// by every rank with the same values, as HDF5 1.10 requires; only the raw data
// transfer differs by rank (its hyperslab, or nothing on ranks without chains).
#include "flowlat/io/ensemble_writer.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <set>

#include "flowlat/core/error.hpp"
#include "flowlat/io/flush_schedule.hpp"
#include "flowlat/io/h5_attributes.hpp"
#include "flowlat/io/h5_handle.hpp"

namespace flowlat {

namespace {

using h5::check;

constexpr int kFormatVersion = 1;
// Chunk sizing along the series axis: the entries filling kChunkBytes (at least
// one), whatever the flush cadence, so a file's layout does not depend on how
// fast the run went. An entry above kMaxChunkBytes is split.
constexpr std::size_t kChunkBytes = 16 * 1024;
constexpr std::size_t kMaxChunkBytes = 4 * 1024 * 1024;

FlushLimits flush_limits(const Config& config) {
  FlushLimits limits;
  limits.seconds = config.get_real("run.flush_seconds");
  limits.max_bytes = config.get_int("run.flush_mib") * std::int64_t(1024 * 1024);
  limits.every_saved = config.get_int("run.flush_every");
  return limits;
}

std::string bcast_string(const MpiContext& mpi, std::string text) {
  long long length = static_cast<long long>(text.size());
  MPI_Bcast(&length, 1, MPI_LONG_LONG, 0, mpi.comm());
  text.resize(static_cast<std::size_t>(length));
  if (length > 0) MPI_Bcast(text.data(), int(length), MPI_CHAR, 0, mpi.comm());
  return text;
}

std::int64_t product(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto e : shape) n *= e;
  return n;
}

void check_names(const std::vector<std::string>& names, const std::string& group) {
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (n.empty() || n.find('/') != std::string::npos || n == "." )
      throw RuntimeFailure("EnsembleWriter: bad dataset name '" + n + "' in " + group);
    if (!seen.insert(n).second)
      throw RuntimeFailure("EnsembleWriter: dataset name '" + n + "' twice in " + group);
  }
}

void validate(const EnsembleLayout& layout, ChainRange local) {
  if (layout.n_chain < 1) throw RuntimeFailure("EnsembleWriter: n_chain must be >= 1");
  if (local.begin < 0 || local.count < 0 || local.begin + local.count > layout.n_chain)
    throw RuntimeFailure("EnsembleWriter: local chain range outside [0, n_chain)");
  if (layout.field_shape.empty()) throw RuntimeFailure("EnsembleWriter: empty field shape");
  for (auto e : layout.field_shape)
    if (e < 1) throw RuntimeFailure("EnsembleWriter: field shape extents must be >= 1");
  check_names(layout.obs_names, "/ensemble/obs");
  std::vector<std::string> corr_names, mcmc_names = layout.record_reals;
  for (const auto& [name, len] : layout.corr) {
    if (len < 1) throw RuntimeFailure("EnsembleWriter: correlator '" + name + "' has length < 1");
    corr_names.push_back(name);
  }
  check_names(corr_names, "/ensemble/corr");
  mcmc_names.insert(mcmc_names.end(), layout.record_flags.begin(), layout.record_flags.end());
  check_names(mcmc_names, "/ensemble/mcmc");
}

}  // namespace

// One extendible dataset [n_chain][n][entry...] and this rank's buffered block.
struct Series {
  std::string name;                    // full path, e.g. /ensemble/obs/absM
  h5::Dataset dataset;
  std::vector<hsize_t> entry;          // trailing extents (empty: one scalar per entry)
  std::size_t entry_size = 1;          // their product
  bool flag = false;                   // int8 (flags) rather than float64
  std::vector<std::vector<double>> real_buffer;       // [local chain][buffered * entry_size]
  std::vector<std::vector<std::int8_t>> flag_buffer;  // the same, for flags
};

struct EnsembleWriter::Impl {
  MpiContext mpi;
  std::string path;
  EnsembleLayout layout;
  ChainRange local;
  std::int64_t dof = 0;
  std::int64_t n_saved = 0, n_records = 0;            // written to the file
  std::int64_t saved_buffered = 0, records_buffered = 0;
  // bytes one saved entry / one record of every chain of the largest rank adds to its buffer
  std::int64_t saved_bytes = 0, record_bytes = 0;
  FlushSchedule schedule;
  bool finished = false;
  // /resume: the update count whose state each slot holds (-1: none) and the
  // slot of the last committed state (-1: none yet).
  std::int64_t slot_updates[2] = {-1, -1};
  int latest_slot = -1;

  // Declared in closing order (reverse): datasets, then groups, then the file.
  h5::File file;
  h5::Group config_group, ensemble, obs_group, corr_group, mcmc_group, resume_group;
  h5::PropList transfer;  // collective MPI-IO data transfer
  std::vector<Series> saved;    // configs, obs..., corr...
  std::vector<Series> records;  // record_reals..., record_flags...
  std::vector<h5::Dataset> state;  // /resume/field, /resume/<state_reals>...: [2][n_chain][entry]
  std::vector<double> staging_reals;  // write_buffers()
  std::vector<std::int8_t> staging_flags;

  Impl(const MpiContext& m, const std::string& p, const EnsembleLayout& l, ChainRange r,
       const FlushLimits& limits)
      : mpi(m), path(p), layout(l), local(r), dof(product(l.field_shape)), schedule(m, limits) {}

  std::string in() const { return " in '" + path + "'"; }

  h5::ObjectRef ref(hid_t object, const std::string& where) const {
    return h5::ObjectRef{object, where, path};
  }

  Series create_series(hid_t group, const std::string& group_path, const std::string& name,
                       std::vector<hsize_t> entry, bool flag) {
    Series s;
    s.name = group_path + "/" + name;
    s.entry = entry;
    for (auto e : entry) s.entry_size *= std::size_t(e);
    s.flag = flag;
    s.real_buffer.resize(std::size_t(local.count));
    s.flag_buffer.resize(std::size_t(local.count));
    const std::string what = "create dataset " + s.name + in();

    const std::size_t elem = flag ? 1 : 8;
    // chunk: one chain x `length` entries x the entry, split if one entry is huge
    std::vector<hsize_t> chunk_entry = entry;
    std::size_t entry_bytes = s.entry_size * elem;
    while (entry_bytes > kMaxChunkBytes) {
      auto big = std::max_element(chunk_entry.begin(), chunk_entry.end());
      if (*big <= 1) break;
      *big = (*big + 1) / 2;
      entry_bytes = elem;
      for (auto e : chunk_entry) entry_bytes *= std::size_t(e);
    }
    const std::size_t length = std::max<std::size_t>(1, kChunkBytes / entry_bytes);

    const int rank = int(2 + entry.size());
    std::vector<hsize_t> dims{hsize_t(layout.n_chain), 0}, maxdims{hsize_t(layout.n_chain), H5S_UNLIMITED},
        chunk{1, hsize_t(length)};
    dims.insert(dims.end(), entry.begin(), entry.end());
    maxdims.insert(maxdims.end(), entry.begin(), entry.end());
    chunk.insert(chunk.end(), chunk_entry.begin(), chunk_entry.end());
    h5::Dataspace space(check(H5Screate_simple(rank, dims.data(), maxdims.data()), what));
    h5::PropList dcpl(check(H5Pcreate(H5P_DATASET_CREATE), what));
    check(H5Pset_chunk(dcpl.get(), rank, chunk.data()), what);
    s.dataset = h5::Dataset(check(H5Dcreate2(group, name.c_str(), flag ? H5T_STD_I8LE : H5T_IEEE_F64LE,
                                             space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                                  what));
    return s;
  }

  // An existing series of a resumed file, cut to `keep` entries per chain.
  Series open_series(hid_t group, const std::string& group_path, const std::string& name,
                     std::vector<hsize_t> entry, bool flag, std::int64_t keep) {
    Series s;
    s.name = group_path + "/" + name;
    s.entry = entry;
    for (auto e : entry) s.entry_size *= std::size_t(e);
    s.flag = flag;
    s.real_buffer.resize(std::size_t(local.count));
    s.flag_buffer.resize(std::size_t(local.count));
    s.dataset =
        h5::Dataset(check(H5Dopen2(group, name.c_str(), H5P_DEFAULT), "open " + s.name + in()));
    std::vector<hsize_t> dims{hsize_t(layout.n_chain), hsize_t(keep)};
    dims.insert(dims.end(), entry.begin(), entry.end());
    check(H5Dset_extent(s.dataset.get(), dims.data()), "cut " + s.name + in());
    return s;
  }

  // /resume/field [2][n_chain][field...] and /resume/<name> [2][n_chain]:
  // fixed size, written in place (two slots, so the committed one is never
  // overwritten).
  void create_state(const h5::ObjectRef& root) {
    resume_group = h5::create_group(root, "resume");
    h5::write_int64_array_attr(ref(resume_group.get(), "/resume"), "updates", {-1, -1});
    auto make = [&](const std::string& name, const std::vector<std::int64_t>& entry) {
      const std::string what = "create dataset /resume/" + name + in();
      std::vector<hsize_t> dims{2, hsize_t(layout.n_chain)};
      dims.insert(dims.end(), entry.begin(), entry.end());
      h5::Dataspace space(check(H5Screate_simple(int(dims.size()), dims.data(), nullptr), what));
      state.emplace_back(check(H5Dcreate2(resume_group.get(), name.c_str(), H5T_IEEE_F64LE,
                                          space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                               what));
    };
    make("field", layout.field_shape);
    for (const auto& name : layout.state_reals) make(name, {});
  }

  void open_state() {
    resume_group =
        h5::Group(check(H5Gopen2(file.get(), "resume", H5P_DEFAULT), "open /resume" + in()));
    auto open = [&](const std::string& name) {
      state.emplace_back(check(H5Dopen2(resume_group.get(), name.c_str(), H5P_DEFAULT),
                               "open /resume/" + name + in()));
    };
    open("field");
    for (const auto& name : layout.state_reals) open(name);
  }

  // This rank's chains of `st` into slot `slot` (collective).
  void write_state(const ChainState& st, int slot) {
    const std::size_t n = std::size_t(local.count);
    if (n > 0 && (std::int64_t(st.field.extent(1)) != dof || st.field.extent(0) < n))
      throw RuntimeFailure("EnsembleWriter: the chain state's field must be [>= " +
                           std::to_string(n) + "][" + std::to_string(dof) + "]");
    if (st.values.size() != layout.state_reals.size())
      throw RuntimeFailure("EnsembleWriter: expected " + std::to_string(layout.state_reals.size()) +
                           " chain state values");
    for (std::size_t k = 0; k < state.size(); ++k) {
      const std::string what = "write /resume state" + in();
      const hid_t d = state[k].get();
      h5::Dataspace file_space(check(H5Dget_space(d), what));
      const int rank = check(H5Sget_simple_extent_ndims(file_space.get()), what);
      std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
      check(H5Sget_simple_extent_dims(file_space.get(), dims.data(), nullptr), what);
      std::vector<hsize_t> start(dims.size(), 0), count = dims;
      start[0] = hsize_t(slot), start[1] = hsize_t(local.begin);
      count[0] = 1, count[1] = hsize_t(n);
      const double none = 0;
      const double* data = &none;
      if (n > 0) {
        data = k == 0 ? st.field.data() : st.values[k - 1].data();
        if (k > 0 && st.values[k - 1].size() != n)
          throw RuntimeFailure("EnsembleWriter: chain state value '" + layout.state_reals[k - 1] +
                               "' needs one value per local chain");
      }
      const hsize_t total = n > 0 ? hsize_t(n) * (k == 0 ? hsize_t(dof) : 1) : 1;
      h5::Dataspace mem_space(check(H5Screate_simple(1, &total, nullptr), what));
      if (n > 0) {
        check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                  count.data(), nullptr),
              what);
      } else {
        check(H5Sselect_none(file_space.get()), what);
        check(H5Sselect_none(mem_space.get()), what);
      }
      check(H5Dwrite(d, H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), transfer.get(), data),
            what);
    }
  }

  void write_slot_updates() {
    const std::string what = "update attribute /resume/updates" + in();
    h5::Attribute attr(check(H5Aopen(resume_group.get(), "updates", H5P_DEFAULT), what));
    check(H5Awrite(attr.get(), H5T_NATIVE_INT64, slot_updates), what);
  }

  // EnsembleWriter::flush: the buffered block, and the chain state if given.
  void flush_block(const ChainState* st) {
    if (finished) throw RuntimeFailure("EnsembleWriter::flush after finish()");
    long long mine[3] = {saved_buffered, records_buffered, st ? st->updates : -1}, low[3], high[3];
    MPI_Allreduce(mine, low, 3, MPI_LONG_LONG, MPI_MIN, mpi.comm());
    MPI_Allreduce(mine, high, 3, MPI_LONG_LONG, MPI_MAX, mpi.comm());
    if (low[0] != high[0] || low[1] != high[1] || low[2] != high[2])
      throw RuntimeFailure("EnsembleWriter::flush: ranks buffered different numbers of entries (" +
                           std::to_string(low[0]) + ".." + std::to_string(high[0]) + " saved, " +
                           std::to_string(low[1]) + ".." + std::to_string(high[1]) +
                           " records, state after " + std::to_string(low[2]) + ".." +
                           std::to_string(high[2]) + " updates)");
    const bool new_state = st && (latest_slot < 0 || slot_updates[latest_slot] != st->updates);
    if (saved_buffered == 0 && records_buffered == 0 && !new_state) return;
    if (saved_buffered > 0) write_block(saved, n_saved, saved_buffered);
    if (records_buffered > 0) write_block(records, n_records, records_buffered);
    const int slot = latest_slot < 0 ? 0 : 1 - latest_slot;
    if (new_state) {
      write_state(*st, slot);
      flush_file();  // the data and the state on disk before the attributes that commit them
    }
    n_saved += saved_buffered;
    n_records += records_buffered;
    saved_buffered = records_buffered = 0;
    schedule.restart();
    const h5::ObjectRef ensemble_ref = ref(ensemble.get(), "/ensemble");
    h5::update_int64_attr(ensemble_ref, "n_saved", n_saved);
    h5::update_int64_attr(ensemble_ref, "n_records", n_records);
    if (new_state) {
      slot_updates[slot] = st->updates;
      latest_slot = slot;
      write_slot_updates();
    }
    flush_file();
  }

  // The bytes one saved entry / one record of the largest rank's chains adds.
  void count_bytes() {
    long long widest = local.count;
    MPI_Allreduce(MPI_IN_PLACE, &widest, 1, MPI_LONG_LONG, MPI_MAX, mpi.comm());
    for (const Series& s : saved) saved_bytes += widest * std::int64_t(s.entry_size) * 8;
    for (const Series& s : records)
      record_bytes += widest * std::int64_t(s.entry_size) * (s.flag ? 1 : 8);
  }

  void close_with(const std::vector<std::pair<std::string, double>>& summary);

  void flush_file() { check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush '" + path + "'"); }

  // Extends every dataset of `series` from `old` to old + n entries and writes
  // this rank's block [local.begin, +count) x [old, old + n).
  void write_block(std::vector<Series>& series, std::int64_t old, std::int64_t n) {
    for (Series& s : series) {
      const std::string what = "write " + s.name + in();
      std::vector<hsize_t> dims{hsize_t(layout.n_chain), hsize_t(old + n)};
      dims.insert(dims.end(), s.entry.begin(), s.entry.end());
      check(H5Dset_extent(s.dataset.get(), dims.data()), "extend " + s.name + in());

      h5::Dataspace file_space(check(H5Dget_space(s.dataset.get()), what));
      const std::size_t count = std::size_t(local.count) * std::size_t(n) * s.entry_size;
      std::vector<hsize_t> block{hsize_t(local.count), hsize_t(n)};
      block.insert(block.end(), s.entry.begin(), s.entry.end());
      // The memory space has the block's shape: with a flat one HDF5 maps
      // every element to its chunk one by one (most of the write time).
      const hsize_t one = 1;
      h5::Dataspace mem_space(
          check(count > 0 ? H5Screate_simple(int(block.size()), block.data(), nullptr)
                          : H5Screate_simple(1, &one, nullptr),
                what));
      if (count > 0) {
        std::vector<hsize_t> start{hsize_t(local.begin), hsize_t(old)};
        start.resize(dims.size(), 0);
        check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                  block.data(), nullptr),
              what);
      } else {
        check(H5Sselect_none(file_space.get()), what);
        check(H5Sselect_none(mem_space.get()), what);
      }
      if (s.flag)
        write_buffers(s, s.flag_buffer, staging_flags, H5T_NATIVE_INT8, mem_space, file_space);
      else
        write_buffers(s, s.real_buffer, staging_reals, H5T_NATIVE_DOUBLE, mem_space, file_space);
    }
  }

  // Writes the local chains' buffers one after the other (chain-major: the
  // block's layout), straight from the buffer when this rank has one chain,
  // else through `staging` (kept, like the buffers, so later blocks reuse the
  // memory instead of faulting in fresh pages); empties the buffers.
  template <class T>
  void write_buffers(const Series& s, std::vector<std::vector<T>>& buffers,
                     std::vector<T>& staging, hid_t type, const h5::Dataspace& mem_space,
                     const h5::Dataspace& file_space) {
    const T none{};  // H5Dwrite wants a pointer even for an empty selection
    const T* data = &none;
    if (buffers.size() == 1) {
      if (!buffers[0].empty()) data = buffers[0].data();
    } else {
      staging.clear();
      for (const auto& b : buffers) staging.insert(staging.end(), b.begin(), b.end());
      if (!staging.empty()) data = staging.data();
    }
    check(H5Dwrite(s.dataset.get(), type, mem_space.get(), file_space.get(), transfer.get(), data),
          "write " + s.name + in());
    for (auto& b : buffers) b.clear();
  }

  // Forgets every HDF5 identifier without the collective close (unwinding).
  void abandon() noexcept {
    for (auto* list : {&saved, &records})
      for (Series& s : *list) s.dataset.release();
    for (auto& d : state) d.release();
    for (auto* g : {&resume_group, &mcmc_group, &corr_group, &obs_group, &ensemble, &config_group})
      g->release();
    file.release();
    close_objects();  // what is left (the transfer property list) is rank-local
  }

  void close_objects() noexcept {
    saved.clear();
    records.clear();
    state.clear();
    resume_group.reset();
    transfer.reset();
    mcmc_group.reset();
    corr_group.reset();
    obs_group.reset();
    ensemble.reset();
    config_group.reset();
  }
};

EnsembleWriter::EnsembleWriter(const MpiContext& mpi, const std::string& path, bool overwrite,
                               const EnsembleLayout& layout, const Config& config,
                               const std::string& command_line, const std::string& sampler,
                               ChainRange local) {
  validate(layout, local);
  h5::silence_errors();
  auto impl = std::make_unique<Impl>(mpi, path, layout, local, flush_limits(config));
  Impl& w = *impl;

  // Rank 0 decides whether the file exists: every rank throws the same error.
  int exists = 0;
  if (mpi.is_root()) {
    std::error_code ec;
    exists = std::filesystem::exists(path, ec) ? 1 : 0;
  }
  MPI_Bcast(&exists, 1, MPI_INT, 0, mpi.comm());
  const std::string exists_message =
      "run.output: file '" + path + "' exists; set run.overwrite = true to replace it";
  if (exists && !overwrite) throw InputError(exists_message);

  {
    const std::string what = "create file '" + path + "'";
    h5::PropList fapl(check(H5Pcreate(H5P_FILE_ACCESS), what));
    check(H5Pset_fapl_mpio(fapl.get(), mpi.comm(), MPI_INFO_NULL), what);
    check(H5Pset_coll_metadata_write(fapl.get(), true), what);
    h5::PropList fcpl(check(H5Pcreate(H5P_FILE_CREATE), what));
    h5::track_order(fcpl.get(), what);
    const hid_t id = H5Fcreate(path.c_str(), overwrite ? H5F_ACC_TRUNC : H5F_ACC_EXCL, fcpl.get(),
                               fapl.get());
    if (id < 0) {
      const std::string reason = h5::take_error_text();
      int now_exists = 0;
      if (mpi.is_root()) {
        std::error_code ec;
        now_exists = std::filesystem::exists(path, ec) ? 1 : 0;
      }
      MPI_Bcast(&now_exists, 1, MPI_INT, 0, mpi.comm());
      if (now_exists && !overwrite) throw InputError(exists_message);
      throw RuntimeFailure("HDF5: " + what + " failed" + (reason.empty() ? "" : " (" + reason + ")"));
    }
    w.file = h5::File(id);
  }
  w.transfer = h5::PropList(check(H5Pcreate(H5P_DATASET_XFER), "transfer properties"));
  check(H5Pset_dxpl_mpio(w.transfer.get(), H5FD_MPIO_COLLECTIVE), "collective transfer");

  // Root attributes: the same text on every rank (rank 0's).
  const hid_t root = w.file.get();
  const h5::ObjectRef root_ref = w.ref(root, "/");
  h5::write_provenance_attrs(root_ref, bcast_string(mpi, mpi.is_root() ? h5::utc_now() : ""),
                             bcast_string(mpi, command_line),
                             bcast_string(mpi, config.resolved_text()));
  h5::write_int32_attr(root_ref, "n_ranks", mpi.size());
  h5::write_string_attr(root_ref, "sampler", bcast_string(mpi, sampler));
  h5::write_int32_attr(root_ref, "format_version", kFormatVersion);
  h5::write_int32_attr(root_ref, "complete", 0);

  // /config: every key, typed by its kind.
  w.config_group = h5::create_group(root_ref, "config");
  h5::write_config_attrs(w.ref(w.config_group.get(), "/config"), config);

  // /ensemble and its datasets, all empty.
  w.ensemble = h5::create_group(root_ref, "ensemble");
  const h5::ObjectRef ensemble_ref = w.ref(w.ensemble.get(), "/ensemble");
  h5::write_int64_attr(ensemble_ref, "n_chain", layout.n_chain);
  h5::write_int64_attr(ensemble_ref, "n_saved", 0);
  h5::write_int64_attr(ensemble_ref, "n_records", 0);
  w.obs_group = h5::create_group(ensemble_ref, "obs");
  w.corr_group = h5::create_group(ensemble_ref, "corr");
  w.mcmc_group = h5::create_group(ensemble_ref, "mcmc");

  std::vector<hsize_t> field(layout.field_shape.begin(), layout.field_shape.end());
  w.saved.push_back(w.create_series(w.ensemble.get(), "/ensemble", "configs", field, false));
  for (const auto& name : layout.obs_names) {
    w.saved.push_back(w.create_series(w.obs_group.get(), "/ensemble/obs", name, {}, false));
    for (const auto& [symmetric, value] : layout.obs_by_symmetry)
      if (symmetric == name)
        h5::write_double_attr({w.saved.back().dataset.get(), "/ensemble/obs/" + name, path},
                              "expectation_by_symmetry", value);
  }
  for (const auto& [name, len] : layout.corr)
    w.saved.push_back(
        w.create_series(w.corr_group.get(), "/ensemble/corr", name, {hsize_t(len)}, false));
  for (const auto& name : layout.record_reals)
    w.records.push_back(w.create_series(w.mcmc_group.get(), "/ensemble/mcmc", name, {}, false));
  for (const auto& name : layout.record_flags)
    w.records.push_back(w.create_series(w.mcmc_group.get(), "/ensemble/mcmc", name, {}, true));

  w.create_state(root_ref);
  w.count_bytes();

  w.flush_file();
  w.schedule.restart();
  impl_ = std::move(impl);
}

EnsembleWriter::EnsembleWriter(const MpiContext& mpi, const std::string& path,
                               const EnsembleLayout& layout, const Config& config,
                               const std::string& command_line, ChainRange local,
                               const ResumePoint& at) {
  validate(layout, local);
  if (at.slot < -1 || at.slot > 1 || at.n_saved < 0 || at.n_records < 0 || at.updates < 0)
    throw RuntimeFailure("EnsembleWriter: bad resume point");
  h5::silence_errors();
  auto impl = std::make_unique<Impl>(mpi, path, layout, local, flush_limits(config));
  Impl& w = *impl;
  {
    const std::string what = "open file '" + path + "' to continue it";
    h5::PropList fapl(check(H5Pcreate(H5P_FILE_ACCESS), what));
    check(H5Pset_fapl_mpio(fapl.get(), mpi.comm(), MPI_INFO_NULL), what);
    check(H5Pset_coll_metadata_write(fapl.get(), true), what);
    w.file = h5::File(check(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get()), what));
  }
  w.transfer = h5::PropList(check(H5Pcreate(H5P_DATASET_XFER), "transfer properties"));
  check(H5Pset_dxpl_mpio(w.transfer.get(), H5FD_MPIO_COLLECTIVE), "collective transfer");

  const hid_t root = w.file.get();
  const h5::ObjectRef root_ref = w.ref(root, "/");
  auto open_group = [&](hid_t parent, const std::string& name, const std::string& full) {
    return h5::Group(check(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), "open " + full + w.in()));
  };
  w.config_group = open_group(root, "config", "/config");
  w.ensemble = open_group(root, "ensemble", "/ensemble");
  w.obs_group = open_group(w.ensemble.get(), "obs", "/ensemble/obs");
  w.corr_group = open_group(w.ensemble.get(), "corr", "/ensemble/corr");
  w.mcmc_group = open_group(w.ensemble.get(), "mcmc", "/ensemble/mcmc");

  // Every series cut to the entries of the resume point.
  std::vector<hsize_t> field(layout.field_shape.begin(), layout.field_shape.end());
  w.saved.push_back(
      w.open_series(w.ensemble.get(), "/ensemble", "configs", field, false, at.n_saved));
  for (const auto& name : layout.obs_names)
    w.saved.push_back(
        w.open_series(w.obs_group.get(), "/ensemble/obs", name, {}, false, at.n_saved));
  for (const auto& [name, len] : layout.corr)
    w.saved.push_back(w.open_series(w.corr_group.get(), "/ensemble/corr", name, {hsize_t(len)},
                                    false, at.n_saved));
  for (const auto& name : layout.record_reals)
    w.records.push_back(
        w.open_series(w.mcmc_group.get(), "/ensemble/mcmc", name, {}, false, at.n_records));
  for (const auto& name : layout.record_flags)
    w.records.push_back(
        w.open_series(w.mcmc_group.get(), "/ensemble/mcmc", name, {}, true, at.n_records));
  w.n_saved = at.n_saved;
  w.n_records = at.n_records;
  const h5::ObjectRef ensemble_ref = w.ref(w.ensemble.get(), "/ensemble");
  h5::update_int64_attr(ensemble_ref, "n_saved", w.n_saved);
  h5::update_int64_attr(ensemble_ref, "n_records", w.n_records);

  // Only the state resumed from stays: the other slot may be newer than the
  // entries kept (a state whose commit was cut), and would otherwise be taken
  // for the latest after the next flush.
  w.open_state();
  if (at.slot >= 0) {
    w.latest_slot = at.slot;
    w.slot_updates[at.slot] = at.updates;
  }
  w.write_slot_updates();

  if (h5::link_exists(w.ensemble.get(), "summary"))
    check(H5Ldelete(w.ensemble.get(), "summary", H5P_DEFAULT), "remove /ensemble/summary" + w.in());

  // The root attributes again, in their order: the provenance of the run that
  // created the file, the input now in force, complete = 0, and one more line
  // in `resumed`.
  std::vector<std::pair<std::string, std::string>> kept;
  for (const char* name :
       {"flowlat_version", "git_commit", "created_utc", "command_line", "sampler"})
    kept.emplace_back(name, h5::read_attr_text(root_ref, name));
  const std::int64_t n_ranks = h5::read_int_attr(root_ref, "n_ranks");
  std::string resumed =
      h5::has_attr(root_ref, "resumed") ? h5::read_attr_text(root_ref, "resumed") : std::string();
  char line[160];
  std::snprintf(line, sizeof line,
                " on %d ranks at update %lld (%lld records, %lld saved per chain): ", mpi.size(),
                (long long)at.updates, (long long)at.n_records, (long long)at.n_saved);
  resumed += bcast_string(mpi, mpi.is_root() ? h5::utc_now() : "") + line +
             bcast_string(mpi, command_line) + "\n";
  // an attribute lives in the object header (< 64 KiB): the oldest lines go first
  constexpr std::size_t kMaxResumed = 32 * 1024;
  while (resumed.size() > kMaxResumed) resumed.erase(0, resumed.find('\n') + 1);
  for (const auto& name : h5::attr_names(root_ref))
    check(H5Adelete(root, name.c_str()), "rewrite root attribute " + name + w.in());
  Config recorded = config;
  recorded.set("run.resume", "false");
  const auto value = [&](const char* name) {
    for (const auto& [k, v] : kept)
      if (k == name) return v;
    return std::string();
  };
  h5::write_string_attr(root_ref, "flowlat_version", value("flowlat_version"));
  h5::write_string_attr(root_ref, "git_commit", value("git_commit"));
  h5::write_string_attr(root_ref, "created_utc", value("created_utc"));
  h5::write_string_attr(root_ref, "command_line", value("command_line"));
  h5::write_string_attr(root_ref, "input", recorded.resolved_text());
  h5::write_int32_attr(root_ref, "n_ranks", std::int32_t(n_ranks));
  h5::write_string_attr(root_ref, "sampler", value("sampler"));
  h5::write_int32_attr(root_ref, "format_version", kFormatVersion);
  h5::write_int32_attr(root_ref, "complete", 0);
  h5::write_string_attr(root_ref, "resumed", resumed);

  const h5::ObjectRef config_ref = w.ref(w.config_group.get(), "/config");
  for (const auto& name : h5::attr_names(config_ref))
    check(H5Adelete(w.config_group.get(), name.c_str()), "rewrite /config" + w.in());
  h5::write_config_attrs(config_ref, recorded);

  w.count_bytes();
  w.flush_file();
  w.schedule.restart();
  impl_ = std::move(impl);
}

EnsembleWriter::~EnsembleWriter() {
  if (!impl_ || impl_->finished) return;
  // Closing an MPI-IO file is collective. During stack unwinding this rank may
  // be alone with its error, and the close would wait forever for ranks that
  // never call it: the handles are dropped instead. main then aborts the job
  // (a rank-local failure) or, when every rank unwinds with the same input
  // error, HDF5 closes the file in MPI_Finalize. Either way complete stays 0.
  if (std::uncaught_exceptions() > 0 && impl_->mpi.size() > 1) {
    impl_->abandon();
    return;
  }
  impl_->close_objects();
  impl_->file.reset();
}

void EnsembleWriter::add_saved(const FieldHost& configs, const std::vector<std::vector<double>>& obs,
                               const std::vector<std::vector<double>>& corr) {
  Impl& w = *impl_;
  if (w.finished) throw RuntimeFailure("EnsembleWriter::add_saved after finish()");
  const std::size_t n = std::size_t(w.local.count);
  if (std::int64_t(configs.extent(1)) != w.dof || configs.extent(0) < n)
    throw RuntimeFailure("EnsembleWriter::add_saved: configs must be [>= " + std::to_string(n) +
                         "][" + std::to_string(w.dof) + "]");
  if (obs.size() != w.layout.obs_names.size() || corr.size() != w.layout.corr.size())
    throw RuntimeFailure("EnsembleWriter::add_saved: expected " +
                         std::to_string(w.layout.obs_names.size()) + " observables and " +
                         std::to_string(w.layout.corr.size()) + " correlators");
  for (std::size_t k = 0; k < obs.size(); ++k)
    if (obs[k].size() != n)
      throw RuntimeFailure("EnsembleWriter::add_saved: observable '" + w.layout.obs_names[k] +
                           "' needs one value per local chain");
  for (std::size_t k = 0; k < corr.size(); ++k)
    if (corr[k].size() != n * std::size_t(w.layout.corr[k].second))
      throw RuntimeFailure("EnsembleWriter::add_saved: correlator '" + w.layout.corr[k].first +
                           "' needs local chains x length values");

  Series& field = w.saved[0];
  for (std::size_t b = 0; b < n; ++b) {  // rows of a LayoutRight View are contiguous
    const double* row = &configs(b, 0);
    field.real_buffer[b].insert(field.real_buffer[b].end(), row, row + w.dof);
  }
  for (std::size_t k = 0; k < obs.size(); ++k)
    for (std::size_t b = 0; b < n; ++b) w.saved[1 + k].real_buffer[b].push_back(obs[k][b]);
  for (std::size_t k = 0; k < corr.size(); ++k) {
    const std::size_t len = std::size_t(w.layout.corr[k].second);
    Series& s = w.saved[1 + obs.size() + k];
    for (std::size_t b = 0; b < n; ++b)
      s.real_buffer[b].insert(s.real_buffer[b].end(), corr[k].begin() + b * len,
                              corr[k].begin() + (b + 1) * len);
  }
  ++w.saved_buffered;
}

void EnsembleWriter::add_record(const std::vector<std::vector<double>>& reals,
                                const std::vector<std::vector<int>>& flags) {
  Impl& w = *impl_;
  if (w.finished) throw RuntimeFailure("EnsembleWriter::add_record after finish()");
  const std::size_t n = std::size_t(w.local.count);
  if (reals.size() != w.layout.record_reals.size() || flags.size() != w.layout.record_flags.size())
    throw RuntimeFailure("EnsembleWriter::add_record: expected " +
                         std::to_string(w.layout.record_reals.size()) + " reals and " +
                         std::to_string(w.layout.record_flags.size()) + " flags");
  for (const auto& r : reals)
    if (r.size() != n) throw RuntimeFailure("EnsembleWriter::add_record: one real per local chain");
  for (const auto& f : flags)
    if (f.size() != n) throw RuntimeFailure("EnsembleWriter::add_record: one flag per local chain");
  for (std::size_t k = 0; k < reals.size(); ++k)
    for (std::size_t b = 0; b < n; ++b) w.records[k].real_buffer[b].push_back(reals[k][b]);
  for (std::size_t k = 0; k < flags.size(); ++k)
    for (std::size_t b = 0; b < n; ++b)
      w.records[reals.size() + k].flag_buffer[b].push_back(std::int8_t(flags[k][b]));
  ++w.records_buffered;
}

std::int64_t EnsembleWriter::buffered_saved() const { return impl_->saved_buffered; }
std::int64_t EnsembleWriter::buffered_records() const { return impl_->records_buffered; }

void EnsembleWriter::flush() { impl_->flush_block(nullptr); }

void EnsembleWriter::flush(const ChainState& state) { impl_->flush_block(&state); }

bool EnsembleWriter::flush_due() {
  Impl& w = *impl_;
  if (w.finished) throw RuntimeFailure("EnsembleWriter::flush_due after finish()");
  const std::int64_t bytes = w.saved_buffered * w.saved_bytes + w.records_buffered * w.record_bytes;
  return w.schedule.due(w.saved_buffered, bytes);
}

void EnsembleWriter::write_group_attributes(
    const std::string& group, const std::vector<std::pair<std::string, std::string>>& attrs) {
  Impl& w = *impl_;
  h5::Group g = h5::create_group(w.ref(w.file.get(), "/"), group);
  const h5::ObjectRef ref = w.ref(g.get(), "/" + group);
  for (const auto& [name, value] : attrs)
    h5::write_string_attr(ref, bcast_string(w.mpi, name), bcast_string(w.mpi, value));
}

void EnsembleWriter::finish(const std::vector<std::pair<std::string, double>>& summary) {
  flush();
  impl_->close_with(summary);
}

void EnsembleWriter::finish(const std::vector<std::pair<std::string, double>>& summary,
                            const ChainState& state) {
  Impl& w = *impl_;
  w.flush_block(&state);
  // the same state into the other slot: once the first is committed, that
  // one is no longer the latest and can be written in the same way
  if (w.slot_updates[1 - w.latest_slot] != state.updates) {
    const int slot = 1 - w.latest_slot;
    w.write_state(state, slot);
    w.flush_file();
    w.slot_updates[slot] = state.updates;
    w.write_slot_updates();
  }
  w.close_with(summary);
}

void EnsembleWriter::Impl::close_with(const std::vector<std::pair<std::string, double>>& summary) {
  Impl& w = *this;
  {
    h5::Group group = h5::create_group(w.ref(w.ensemble.get(), "/ensemble"), "summary");
    const h5::ObjectRef summary_ref = w.ref(group.get(), "/ensemble/summary");
    for (const auto& [name, value] : summary) h5::write_double_attr(summary_ref, name, value);
  }
  h5::update_int32_attr(w.ref(w.file.get(), "/"), "complete", 1);
  w.close_objects();
  w.finished = true;
  check(w.file.close(), "close '" + w.path + "'");
}

}  // namespace flowlat
