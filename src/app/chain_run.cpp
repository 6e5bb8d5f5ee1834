// run_chains: the loop every independent-chain sampler shares.
#include "chain_run.hpp"

#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/exec_space.hpp"
#include "flowlat/core/philox.hpp"
#include "flowlat/core/progress.hpp"
#include "flowlat/core/stop_signal.hpp"
#include "flowlat/io/ensemble_reader.hpp"
#include "flowlat/io/ensemble_writer.hpp"
#include "row_measurer.hpp"
#include "run_resume.hpp"
#include "saved_batch.hpp"
#include "summary_table.hpp"

namespace flowlat {

namespace fs = std::filesystem;

namespace {

std::string type_name(fs::file_type type) {
  switch (type) {
    case fs::file_type::directory: return "a directory";
    case fs::file_type::character: return "a character device";
    case fs::file_type::block: return "a block device";
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::socket: return "a socket";
    default: return "not a regular file";
  }
}

// /proc and /sys look writable to root, but hold no files.
bool pseudo_file_system(const fs::path& dir) {
  struct statfs info {};
  if (statfs(dir.c_str(), &info) != 0) return false;
  return info.f_type == PROC_SUPER_MAGIC || info.f_type == SYSFS_MAGIC;
}

// Everything that can be known before writing, each a one-line message naming
// `key` (empty: fine). Uses only the error_code overloads of <filesystem>: a
// path that is too long or loops must be a message, not an exception.
std::string check_output(const Config& config, const std::string& key,
                         const std::vector<std::string>& input_keys) {
  const fs::path path = config.get_string(key);
  const std::string quoted = "'" + path.string() + "'";
  if (path.empty() || path.filename().empty() || path.filename() == "." ||
      path.filename() == "..")
    return key + ": expected a file name, got " + quoted;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  // not_found comes with ec set (ENOENT, ENOTDIR): that only means "new file"
  if (ec && status.type() != fs::file_type::not_found)
    return key + ": cannot use " + quoted + ": " + ec.message();
  const bool exists = fs::exists(status);
  const bool resume = key == "run.output" && config.get_bool("run.resume");
  if (resume && config.get_bool("run.overwrite"))
    return "run.resume: cannot be combined with run.overwrite = true (one continues " + quoted +
           ", the other replaces it)";
  if (resume && !exists)
    return key + ": " + quoted +
           " does not exist; run.resume continues an existing file (set "
           "run.resume = false to start a new run)";
  if (exists && !fs::is_regular_file(status))
    return key + ": " + quoted + " is " + type_name(status.type()) +
           ", not a file flowlat can write";
  if (!exists && fs::is_symlink(fs::symlink_status(path, ec)))
    return key + ": " + quoted + " is a symbolic link to nothing";

  // Writing over a file the run reads would destroy it (and the ensemble or
  // model read from it): an input is never an output.
  std::vector<std::pair<std::string, std::string>> inputs;
  for (const auto& k : input_keys) inputs.emplace_back(k, config.get_string(k));
  inputs.emplace_back("--config", config.source());
  for (const auto& [input_key, input] : inputs) {
    if (!exists || input.empty() || !fs::exists(input, ec)) continue;
    if (fs::equivalent(path, input, ec))
      return key + ": " + quoted + " is the file " + input_key + " names, which this run reads";
  }

  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  fs::create_directories(dir, ec);
  if (ec) return key + ": cannot create directory '" + dir.string() + "': " + ec.message();
  if (pseudo_file_system(dir))
    return key + ": directory '" + dir.string() + "' is a pseudo file system, not storage";
  if (access(dir.c_str(), W_OK) != 0)
    return key + ": directory '" + dir.string() + "' is not writable";
  if (exists && !config.get_bool("run.overwrite") && !resume)
    return key + ": file " + quoted + " exists; set run.overwrite = true to replace it";
  if (exists && access(path.c_str(), W_OK) != 0)
    return key + ": file " + quoted + " is not writable";
  return "";
}

void start_field(const Theory& theory, const Field& field, index_t n, std::int64_t first_chain,
                 const Config& config) {
  if (config.get_string("run.start") == "cold") {
    Kokkos::deep_copy(field, 0.0);
    return;
  }
  theory.hot_start(field, n, std::uint64_t(config.get_int("run.seed")), first_chain);
}

// Per local chain, the time series of one quantity.
using ChainSeries = std::vector<std::vector<double>>;

// Every rank gets the series of all chains, in global chain order.
std::vector<double> gather_chains(const MpiContext& mpi, const ChainSeries& local) {
  std::vector<double> mine;
  for (const auto& s : local) mine.insert(mine.end(), s.begin(), s.end());
  const int count = int(mine.size());
  std::vector<int> counts(mpi.size()), displs(mpi.size(), 0);
  MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, mpi.comm());
  for (int r = 1; r < mpi.size(); ++r) displs[r] = displs[r - 1] + counts[r - 1];
  std::vector<double> all(std::size_t(displs.back() + counts.back()));
  MPI_Allgatherv(mine.data(), count, MPI_DOUBLE, all.data(), counts.data(), displs.data(),
                 MPI_DOUBLE, mpi.comm());
  return all;
}


}  // namespace

OutputLock prepare_output(const MpiContext& mpi, const Config& config, const std::string& key,
                          const std::vector<std::string>& input_keys) {
  std::string error;
  OutputLock lock;
  if (mpi.is_root()) {
    error = check_output(config, key, input_keys);
    if (error.empty()) {
      try {
        lock = OutputLock(key, config.get_string(key));
      } catch (const InputError& e) {
        error = e.what();
      }
    }
  }
  share_verdict(mpi, error);
  return lock;
}

int run_chains(const MpiContext& mpi, const Config& config, const Invocation& inv,
               const ChainRunKeys& keys, const Theory& theory, ChainUpdate& update,
               ChainRange local, const std::vector<std::pair<std::string, std::string>>& model) {
  const Log log(mpi);
  const std::int64_t n_chain = config.get_int(keys.section + ".chains");
  const long long therm = config.get_int(keys.section + ".thermalization");
  const long long steps = config.get_int(keys.steps_key);
  const long long save_every = config.get_int(keys.section + ".save_every");
  if (double(therm) + double(steps) > 4294967295.0)
    throw InputError(keys.steps_key + ": with " + keys.section +
                     ".thermalization the total exceeds 2^32 - 1 updates (32-bit RNG counter)");
  const std::string output = config.get_string("run.output");

  const index_t n = local.count, capacity = std::max<index_t>(n, 1);
  const Geometry& geometry = theory.geometry();
  Field field("chains.field", capacity, theory.dof());
  // the chain state written with every flush (on a host backend: `field` itself)
  const FieldHost field_host = Kokkos::create_mirror_view(HostSpace(), field);

  std::vector<BatchScalar> reals;
  std::vector<BatchFlags> flags;
  for (const auto& name : update.record_reals()) reals.emplace_back("record." + name, capacity);
  for (const auto& name : update.record_flags()) flags.emplace_back("record." + name, capacity);

  // Host copies of the records, allocated once (on a host backend they are
  // the device Views themselves and the copies are no-ops).
  std::vector<BatchScalar::HostMirror> reals_mirror;
  std::vector<BatchFlags::HostMirror> flags_mirror;
  for (const auto& r : reals) reals_mirror.push_back(Kokkos::create_mirror_view(HostSpace(), r));
  for (const auto& f : flags) flags_mirror.push_back(Kokkos::create_mirror_view(HostSpace(), f));
  std::vector<std::vector<double>> real_host(reals.size());
  std::vector<std::vector<int>> flag_host(flags.size());

  // Saves measured kMeasuredTogether configurations at a time (fewer when
  // they would take more than kMeasuredBytes), the same number on every rank.
  const index_t widest = (n_chain + mpi.size() - 1) / mpi.size();
  const index_t config_bytes = widest * theory.dof() * index_t(sizeof(real_t));
  SavedBatch saved(theory, n,
                   std::max<index_t>(1, std::min(kMeasuredTogether / widest,
                                                 kMeasuredBytes / std::max<index_t>(config_bytes, 1))));
  const long long flush_every = config.get_int("run.flush_every");

  EnsembleLayout layout;
  layout.n_chain = n_chain;
  layout.field_shape = theory.field_shape();
  layout.obs_names = saved.observables().scalar_names();
  layout.obs_by_symmetry = saved.observables().by_symmetry();
  layout.corr = saved.observables().corr_layout();
  layout.record_reals = update.record_reals();
  layout.record_flags = update.record_flags();

  ResumeKeys resume_keys;
  resume_keys.command = keys.section;
  resume_keys.sampler = keys.section;
  resume_keys.sections = keys.also_checked;
  resume_keys.sections.insert(resume_keys.sections.begin(), keys.section);
  resume_keys.steps_key = keys.steps_key;
  resume_keys.therm_key = keys.section + ".thermalization";
  resume_keys.save_every_key = keys.section + ".save_every";
  resume_keys.free_keys = keys.free_keys;
  for (const auto& [name, value] : model)
    if (name == "params_hash") resume_keys.params_hash = value;
  const ResumeStart start = check_resume(mpi, config, resume_keys, layout);
  if (start.finished) {
    log.info("flowlat " + keys.section + ": " + output + " is complete with " + keys.steps_key +
             " = " + std::to_string(steps) + "; nothing to resume (a larger " + keys.steps_key +
             " extends it)");
    return 0;
  }

  // time series kept for the final summary (small: scalars only); a resumed
  // run starts with what the file holds
  std::vector<ChainSeries> obs_series(layout.obs_names.size(), ChainSeries(n));
  std::vector<ChainSeries> real_series(reals.size(), ChainSeries(n));
  std::vector<ChainSeries> flag_series(flags.size(), ChainSeries(n));
  const long long first_update = start.point.updates;
  if (start.resume && start.point.slot >= 0) {
    read_chain_state(output, start.point, layout, local.begin, n, field_host);
    Kokkos::deep_copy(field, field_host);
    const EnsembleReader file(output);
    const auto read = [&](std::vector<ChainSeries>& series, const std::string& group,
                          const std::vector<std::string>& names, std::int64_t entries) {
      for (std::size_t k = 0; k < names.size(); ++k) {
        const auto rows = file.rows(group + names[k], local.begin, n, entries);
        for (index_t b = 0; b < n; ++b)
          series[k][b].assign(rows.begin() + b * entries, rows.begin() + (b + 1) * entries);
      }
    };
    read(obs_series, "obs/", layout.obs_names, start.point.n_saved);
    read(real_series, "mcmc/", layout.record_reals, start.point.n_records);
    read(flag_series, "mcmc/", layout.record_flags, start.point.n_records);
  } else {
    start_field(theory, field, n, local.begin, config);
  }
  // every rank has closed the file before it is opened for writing
  MPI_Barrier(mpi.comm());

  std::unique_ptr<EnsembleWriter> writer;
  if (start.resume) {
    writer = std::make_unique<EnsembleWriter>(mpi, output, layout, config, inv.command_line, local,
                                              start.point);
  } else {
    writer = std::make_unique<EnsembleWriter>(mpi, output, config.get_bool("run.overwrite"), layout,
                                              config, inv.command_line, keys.section, local);
    if (!model.empty()) writer->write_group_attributes("model", model);
  }

  log.info("flowlat " + keys.section + ": " + theory.name() + " on " + geometry.shape_string() +
           ", " + std::to_string(n_chain) + " chains on " + std::to_string(mpi.size()) +
           " ranks, " + std::to_string(therm) + " + " + std::to_string(steps) + " " + keys.unit +
           ", output " + output);
  if (start.resume) log.info(resume_note(output, start.point, keys.unit, therm));

  const auto observed = [&](const std::vector<std::vector<double>>& scalars) {
    for (std::size_t k = 0; k < obs_series.size(); ++k)
      for (index_t b = 0; b < n; ++b) obs_series[k][b].push_back(scalars[k][b]);
  };
  // The chains after `updates` updates, for the writer's flushes.
  const auto state = [&](long long updates) {
    Kokkos::deep_copy(field_host, field);
    return ChainState{updates, field_host, {}};
  };

  // The figure on the progress line: the running mean of the first record
  // (acceptance) over this rank's chains.
  const std::string running_name =
      flags.empty() ? layout.record_reals.at(0) : layout.record_flags.at(0);
  double running_sum = 0;
  long long running_count = 0;
  for (const auto& chain : flags.empty() ? real_series.at(0) : flag_series.at(0)) {
    for (double v : chain) running_sum += v;
    running_count += (long long)chain.size();
  }
  auto running_figure = [&]() {
    char text[96];
    std::snprintf(text, sizeof text, "%s %.3f", running_name.c_str(),
                  running_count ? running_sum / double(running_count) : 0.0);
    return std::string(text);
  };

  const double interval = config.get_real("run.progress_seconds");
  Progress progress(log, keys.section, keys.unit, therm + steps, interval);
  StopPoll stop(mpi, 16);  // one allreduce per 16 updates
  // Few chains of a small lattice on this rank: updates, saves and
  // measurements on one thread, as the thread pool's fork/join would cost
  // more than the kernels (core/exec_space.hpp; the same numbers either way).
  const SmallWorkSpace small_work;
  const ExecSpaceScope small_scope(small_work.for_work(n * theory.dof()));
  for (long long t = first_update; t < therm + steps; ++t) {
    if (stop()) {
      saved.drain(*writer, observed);  // the saves not measured yet belong in the file
      writer->flush(state(t));
      const long long done = std::max(0LL, t - therm);
      log.info("flowlat " + keys.section + ": stopped by " +
               (stop_signal_name().empty() ? std::string("a stop signal") : stop_signal_name()) +
               " after " + std::to_string(done) + " of " + std::to_string(steps) + " " + keys.unit +
               " (plus thermalization); " + output + " holds " + std::to_string(done / save_every) +
               " saved configurations per chain and stays complete = 0 (run.resume = true "
               "continues it)");
      return kExitStoppedBySignal;
    }
    update.update(field, n, std::uint32_t(t), reals, flags);
    const bool production = t >= therm;
    if (production) {
      for (std::size_t k = 0; k < reals.size(); ++k) {
        const auto& h = reals_mirror[k];
        Kokkos::deep_copy(h, reals[k]);
        real_host[k].assign(h.data(), h.data() + n);
        for (index_t b = 0; b < n; ++b) real_series[k][b].push_back(h(b));
      }
      for (std::size_t k = 0; k < flags.size(); ++k) {
        const auto& h = flags_mirror[k];
        Kokkos::deep_copy(h, flags[k]);
        flag_host[k].assign(h.data(), h.data() + n);
        for (index_t b = 0; b < n; ++b) flag_series[k][b].push_back(h(b));
      }
      if (!flags.empty()) {
        for (int v : flag_host[0]) running_sum += v;
      } else {
        for (double v : real_host[0]) running_sum += v;
      }
      running_count += n;
      writer->add_record(real_host, flag_host);

      if ((t - therm + 1) % save_every == 0) {
        saved.add(field);
        // (a count bound on flushes sees exactly run.flush_every saves)
        if (saved.full() ||
            (flush_every > 0 && writer->buffered_saved() + saved.pending() >= flush_every))
          saved.drain(*writer, observed);
      }
      if (writer->flush_due()) {
        saved.drain(*writer, observed);
        writer->flush(state(t + 1));
      }
    }
    progress.update(t + 1, production ? running_figure() : std::string("thermalizing"));
  }

  saved.drain(*writer, observed);

  // Summary: Gamma-method errors over all chains (every rank computes the
  // same numbers; rank 0 prints, all write the attributes collectively).
  SummaryTable table;
  const double volume = double(geometry.volume());
  for (std::size_t k = 0; k < obs_series.size(); ++k)
    table.add_observable(layout.obs_names[k], gather_chains(mpi, obs_series[k]), n_chain, volume);
  for (std::size_t k = 0; k < flags.size(); ++k) {
    ChainSeries as_real(n);
    for (index_t b = 0; b < n; ++b) as_real[b].assign(flag_series[k][b].begin(), flag_series[k][b].end());
    table.add(layout.record_flags[k], gather_chains(mpi, as_real), n_chain);
  }
  for (std::size_t k = 0; k < reals.size(); ++k) {
    auto all = gather_chains(mpi, real_series[k]);
    table.add(layout.record_reals[k], all, n_chain);
    if (layout.record_reals[k] == "dH") {
      for (double& v : all) v = std::exp(-v);
      table.add("exp_minus_dH", all, n_chain);
    }
  }
  writer->finish(table.attributes(), state(therm + steps));

  char head[160];
  std::snprintf(head, sizeof head, "flowlat %s: done in %.1f s; %lld saved configurations per chain",
                keys.section.c_str(), progress.elapsed_seconds(),
                steps / save_every);
  log.info(head);
  table.print(log);
  log.info("  written: " + output);
  return 0;
}

}  // namespace flowlat
