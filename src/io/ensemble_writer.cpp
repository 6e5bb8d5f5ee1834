// EnsembleWriter: parallel HDF5 (MPI-IO driver), one shared file. Every
// metadata call (create, attribute write, H5Dset_extent, flush, close) is made
// by every rank with the same values, as HDF5 1.10 requires; only the raw data
// transfer differs by rank (its hyperslab, or nothing on ranks without chains).
#include "flowlat/io/ensemble_writer.hpp"

#include <mpi.h>

#include <algorithm>
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

  // Declared in closing order (reverse): datasets, then groups, then the file.
  h5::File file;
  h5::Group config_group, ensemble, obs_group, corr_group, mcmc_group;
  h5::PropList transfer;  // collective MPI-IO data transfer
  std::vector<Series> saved;    // configs, obs..., corr...
  std::vector<Series> records;  // record_reals..., record_flags...
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
    for (auto* g : {&mcmc_group, &corr_group, &obs_group, &ensemble, &config_group}) g->release();
    file.release();
    close_objects();  // what is left (the transfer property list) is rank-local
  }

  void close_objects() noexcept {
    saved.clear();
    records.clear();
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

  long long widest = local.count;
  MPI_Allreduce(MPI_IN_PLACE, &widest, 1, MPI_LONG_LONG, MPI_MAX, mpi.comm());
  for (const Series& s : w.saved) w.saved_bytes += widest * std::int64_t(s.entry_size) * 8;
  for (const Series& s : w.records)
    w.record_bytes += widest * std::int64_t(s.entry_size) * (s.flag ? 1 : 8);

  check(H5Fflush(root, H5F_SCOPE_GLOBAL), "flush '" + path + "'");
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

void EnsembleWriter::flush() {
  Impl& w = *impl_;
  if (w.finished) throw RuntimeFailure("EnsembleWriter::flush after finish()");
  long long mine[2] = {w.saved_buffered, w.records_buffered}, low[2], high[2];
  MPI_Allreduce(mine, low, 2, MPI_LONG_LONG, MPI_MIN, w.mpi.comm());
  MPI_Allreduce(mine, high, 2, MPI_LONG_LONG, MPI_MAX, w.mpi.comm());
  if (low[0] != high[0] || low[1] != high[1])
    throw RuntimeFailure("EnsembleWriter::flush: ranks buffered different numbers of entries (" +
                         std::to_string(low[0]) + ".." + std::to_string(high[0]) + " saved, " +
                         std::to_string(low[1]) + ".." + std::to_string(high[1]) + " records)");
  if (w.saved_buffered == 0 && w.records_buffered == 0) return;
  if (w.saved_buffered > 0) w.write_block(w.saved, w.n_saved, w.saved_buffered);
  if (w.records_buffered > 0) w.write_block(w.records, w.n_records, w.records_buffered);
  w.n_saved += w.saved_buffered;
  w.n_records += w.records_buffered;
  w.saved_buffered = w.records_buffered = 0;
  w.schedule.restart();
  const h5::ObjectRef ensemble_ref = w.ref(w.ensemble.get(), "/ensemble");
  h5::update_int64_attr(ensemble_ref, "n_saved", w.n_saved);
  h5::update_int64_attr(ensemble_ref, "n_records", w.n_records);
  check(H5Fflush(w.file.get(), H5F_SCOPE_GLOBAL), "flush '" + w.path + "'");
}

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
  Impl& w = *impl_;
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
