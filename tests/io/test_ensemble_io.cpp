// Ensemble files: every rank writes its chains (value = f(chain, entry, site))
// over several flushed blocks into one shared file; rank 0 reads it back with
// EnsembleReader and checks every value, shape and attribute. Runs on 1, 2 and
// 3 ranks (with 2 chains on 3 ranks one rank holds none).
#include <gtest/gtest.h>
#include <hdf5.h>


#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>

#include "commands.hpp"
#include "flowlat/core/config.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/mpi_context.hpp"
#include "flowlat/core/version_info.hpp"
#include "flowlat/io/ensemble_reader.hpp"
#include "flowlat/io/ensemble_writer.hpp"

using namespace flowlat;

namespace {

const std::vector<std::int64_t> kShape{4, 3};
constexpr std::int64_t kDof = 12, kCorrLen = 5, kRecordsPerSaved = 2;

double field_value(std::int64_t chain, std::int64_t saved, std::int64_t site) {
  return 1000.0 * double(chain) + double(saved) + 1e-3 * double(site);
}
double obs_a(std::int64_t chain, std::int64_t saved) { return 100.0 * double(chain) + double(saved); }
double obs_b(std::int64_t chain, std::int64_t saved) { return std::sin(0.1 * double(chain) + 0.37 * double(saved)); }
double corr_value(std::int64_t chain, std::int64_t saved, std::int64_t t) {
  return double(chain) + 0.01 * double(saved) - 0.5 * double(t);
}
double dh_value(std::int64_t chain, std::int64_t record) { return std::cos(0.3 * double(chain) + 0.11 * double(record)); }
int accept_value(std::int64_t chain, std::int64_t record) { return (chain + record) % 3 != 0; }

EnsembleLayout make_layout(std::int64_t n_chain) {
  EnsembleLayout l;
  l.n_chain = n_chain;
  l.field_shape = kShape;
  l.obs_names = {"a", "b"};
  l.corr = {{"C_t", kCorrLen}};
  l.record_reals = {"dH"};
  l.record_flags = {"accept"};
  return l;
}

std::string temp_file(const MpiContext& mpi, const std::string& tag) {
  return testing::TempDir() + "ensemble_io_" + tag + "_np" + std::to_string(mpi.size()) + ".h5";
}

Config make_config() {
  Config c;
  c.set("run.flush_every", "4");
  c.set("run.seed", "18000000000000000000");  // beyond int64: stored as uint64
  c.set("run.overwrite", "true");
  return c;
}

// Saved entries [from, from + n) for the local chains, each after
// kRecordsPerSaved records; flushes whenever `block` saved entries are buffered.
void write_entries(EnsembleWriter& w, ChainRange local, std::int64_t from, std::int64_t n,
                   std::int64_t block) {
  const auto count = std::size_t(local.count);
  FieldHost field("field", std::max<std::size_t>(count, 1) + 1, kDof);  // more rows than chains
  for (std::int64_t s = from; s < from + n; ++s) {
    for (std::int64_t j = 0; j < kRecordsPerSaved; ++j) {
      const std::int64_t rec = s * kRecordsPerSaved + j;
      std::vector<std::vector<double>> reals(1, std::vector<double>(count));
      std::vector<std::vector<int>> flags(1, std::vector<int>(count));
      for (std::size_t b = 0; b < count; ++b) {
        reals[0][b] = dh_value(local.begin + std::int64_t(b), rec);
        flags[0][b] = accept_value(local.begin + std::int64_t(b), rec);
      }
      w.add_record(reals, flags);
    }
    std::vector<std::vector<double>> obs(2, std::vector<double>(count)),
        corr(1, std::vector<double>(count * kCorrLen));
    for (std::size_t b = 0; b < count; ++b) {
      const std::int64_t chain = local.begin + std::int64_t(b);
      for (std::int64_t x = 0; x < kDof; ++x) field(b, x) = field_value(chain, s, x);
      obs[0][b] = obs_a(chain, s);
      obs[1][b] = obs_b(chain, s);
      for (std::int64_t t = 0; t < kCorrLen; ++t) corr[0][b * kCorrLen + t] = corr_value(chain, s, t);
    }
    w.add_saved(field, obs, corr);
    if (w.buffered_saved() >= block) w.flush();
  }
}

// Rank 0: the file holds exactly n_saved entries of every chain.
void check_data(const std::string& path, std::int64_t n_chain, std::int64_t n_saved,
                bool complete) {
  const EnsembleReader r(path);
  EXPECT_EQ(r.complete(), complete);
  ASSERT_EQ(r.n_chain(), n_chain);
  ASSERT_EQ(r.n_saved(), n_saved);
  const std::int64_t n_records = n_saved * kRecordsPerSaved;
  ASSERT_EQ(r.n_records(), n_records);
  EXPECT_EQ(r.field_shape(), kShape);
  EXPECT_EQ(r.obs_names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.corr_names(), (std::vector<std::string>{"C_t"}));
  EXPECT_EQ(r.record_names(), (std::vector<std::string>{"dH", "accept"}));
  EXPECT_EQ(r.corr_length("C_t"), kCorrLen);

  const auto configs = r.configs();
  const auto a = r.obs("a"), b = r.obs("b"), corr = r.corr("C_t");
  const auto dh = r.record("dH"), accept = r.record("accept");
  ASSERT_EQ(configs.size(), std::size_t(n_chain * n_saved * kDof));
  ASSERT_EQ(a.size(), std::size_t(n_chain * n_saved));
  ASSERT_EQ(b.size(), std::size_t(n_chain * n_saved));
  ASSERT_EQ(corr.size(), std::size_t(n_chain * n_saved * kCorrLen));
  ASSERT_EQ(dh.size(), std::size_t(n_chain * n_records));
  ASSERT_EQ(accept.size(), std::size_t(n_chain * n_records));
  int bad = 0;  // count mismatches instead of printing thousands of lines
  for (std::int64_t c = 0; c < n_chain; ++c) {
    for (std::int64_t s = 0; s < n_saved; ++s) {
      const std::int64_t e = c * n_saved + s;
      for (std::int64_t x = 0; x < kDof; ++x) bad += configs[e * kDof + x] != field_value(c, s, x);
      bad += a[e] != obs_a(c, s);
      bad += b[e] != obs_b(c, s);
      for (std::int64_t t = 0; t < kCorrLen; ++t) bad += corr[e * kCorrLen + t] != corr_value(c, s, t);
    }
    for (std::int64_t k = 0; k < n_records; ++k) {
      bad += dh[c * n_records + k] != dh_value(c, k);
      bad += accept[c * n_records + k] != double(accept_value(c, k));
    }
  }
  EXPECT_EQ(bad, 0) << path;
  EXPECT_EQ(configs[kDof + 1], field_value(0, 1, 1));  // one spelled-out value
}

void check_attributes(const std::string& path, const MpiContext& mpi, const Config& config) {
  const EnsembleReader r(path);
  EXPECT_EQ(r.root_attr("flowlat_version"), FLOWLAT_VERSION_STRING);
  EXPECT_EQ(r.root_attr("git_commit"), FLOWLAT_GIT_COMMIT);
  EXPECT_EQ(r.root_attr("command_line"), "flowlat hmc --test");
  EXPECT_EQ(r.root_attr("input"), config.resolved_text());
  EXPECT_EQ(r.root_attr("n_ranks"), std::to_string(mpi.size()));
  EXPECT_EQ(r.root_attr("sampler"), "hmc");
  EXPECT_EQ(r.root_attr("format_version"), "1");
  EXPECT_EQ(r.root_attr("complete"), "1");
  const std::string created = r.root_attr("created_utc");  // 2024-01-31T12:00:00Z
  ASSERT_EQ(created.size(), 20u) << created;
  EXPECT_EQ(created[4], '-');
  EXPECT_EQ(created[10], 'T');
  EXPECT_EQ(created[19], 'Z');
  EXPECT_THROW(r.root_attr("no_such_attr"), InputError);

  // /config: every key of the run (shared and the theory's) in order, typed
  std::vector<std::string> names;
  for (const auto& k : config.specs()) names.push_back(k.name);
  EXPECT_EQ(r.config_keys(), names);
  for (const auto& [key, value] : config.items()) EXPECT_EQ(r.config_value(key), value) << key;
  EXPECT_EQ(r.config_value("run.seed"), "18000000000000000000");
  EXPECT_EQ(r.config_value("run.overwrite"), "true");
  EXPECT_EQ(r.config_value("lattice.shape"), "8,8");
  EXPECT_EQ(r.config_value("theory.m2"), "-4");
  EXPECT_EQ(r.config_value("theory.lambda"), "8");
  EXPECT_EQ(r.config_value("hmc.trajectory_length"), "1");
  EXPECT_EQ(r.config_value("metropolis.step_size"), "1.5");

  const std::vector<std::pair<std::string, double>> summary{
      {"a", 1.5}, {"a_error", 0.25}, {"accept", 0.75}};
  EXPECT_EQ(r.summary(), summary);
}

std::string input_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

}  // namespace

TEST(EnsembleIo, EveryChainOverSeveralFlushes) {
  const MpiContext mpi(MPI_COMM_WORLD);
  const Config config = make_config();
  for (const std::int64_t n_chain : {5, 2}) {  // 2 chains on 3 ranks: one rank has none
    const std::string path = temp_file(mpi, "full" + std::to_string(n_chain));
    const ChainRange local = mpi.split(n_chain);
    {
      EnsembleWriter w(mpi, path, true, make_layout(n_chain), config, "flowlat hmc --test", "hmc",
                       local);
      write_entries(w, local, 0, 11, 4);  // blocks of 4, 4 and a partial 3 in finish()
      EXPECT_EQ(w.buffered_saved(), 3);
      EXPECT_EQ(w.buffered_records(), 6);
      w.finish({{"a", 1.5}, {"a_error", 0.25}, {"accept", 0.75}});
    }
    MPI_Barrier(mpi.comm());
    if (mpi.is_root()) {
      check_data(path, n_chain, 11, true);
      check_attributes(path, mpi, config);
    }
    MPI_Barrier(mpi.comm());
  }
}

TEST(EnsembleIo, UnfinishedFileHoldsTheFlushedBlocks) {
  const MpiContext mpi(MPI_COMM_WORLD);
  const std::int64_t n_chain = 5;
  const ChainRange local = mpi.split(n_chain);
  const std::string path = temp_file(mpi, "partial"), snapshot = temp_file(mpi, "snapshot");
  {
    EnsembleWriter w(mpi, path, true, make_layout(n_chain), make_config(), "flowlat hmc --test",
                     "hmc", local);
    write_entries(w, local, 0, 8, 4);  // two flushed blocks
    write_entries(w, local, 8, 2, 4);  // buffered only
    EXPECT_EQ(w.buffered_saved(), 2);
    // what a job killed now leaves on disk
    MPI_Barrier(mpi.comm());
    if (mpi.is_root())
      std::filesystem::copy_file(path, snapshot, std::filesystem::copy_options::overwrite_existing);
    MPI_Barrier(mpi.comm());
    if (mpi.is_root()) check_data(snapshot, n_chain, 8, false);
    MPI_Barrier(mpi.comm());
    // leaves scope without finish(), as after an exception
  }
  MPI_Barrier(mpi.comm());
  if (mpi.is_root()) {
    check_data(path, n_chain, 8, false);
    EXPECT_EQ(EnsembleReader(path).root_attr("complete"), "0");
    EXPECT_TRUE(EnsembleReader(path).summary().empty());
  }
  MPI_Barrier(mpi.comm());
}

// flush_due() after every update, as the samplers call it: by count
// (run.flush_every = 4), or after every update with run.flush_seconds = 0;
// what a killed job would leave holds exactly the flushed entries.
TEST(EnsembleIo, FlushIfDueByCountOrAfterEveryUpdate) {
  const MpiContext mpi(MPI_COMM_WORLD);
  const std::int64_t n_chain = 4, never = std::int64_t(1) << 40;
  const ChainRange local = mpi.split(n_chain);
  for (const bool every_update : {false, true}) {
    Config config = make_config();
    if (every_update) config.set("run.flush_seconds", "0");
    const std::string tag = every_update ? "due_every" : "due_count";
    const std::string path = temp_file(mpi, tag), snapshot = temp_file(mpi, tag + "_snapshot");
    {
      EnsembleWriter w(mpi, path, true, make_layout(n_chain), config, "flowlat hmc --test", "hmc",
                       local);
      int flushes = 0;
      for (std::int64_t s = 0; s < 7; ++s) {
        write_entries(w, local, s, 1, never);
        if (w.flush_due()) w.flush(), ++flushes;
      }
      EXPECT_EQ(flushes, every_update ? 7 : 1);
      EXPECT_EQ(w.buffered_saved(), every_update ? 0 : 3);
      MPI_Barrier(mpi.comm());
      if (mpi.is_root())
        std::filesystem::copy_file(path, snapshot,
                                   std::filesystem::copy_options::overwrite_existing);
      MPI_Barrier(mpi.comm());
      if (mpi.is_root()) check_data(snapshot, n_chain, every_update ? 7 : 4, false);
      MPI_Barrier(mpi.comm());
      w.finish({});
    }
    MPI_Barrier(mpi.comm());
    if (mpi.is_root()) check_data(path, n_chain, 7, true);
    MPI_Barrier(mpi.comm());
  }
}

TEST(EnsembleIo, DestructorDuringUnwindingMakesNoCollectiveCall) {
  const MpiContext mpi(MPI_COMM_WORLD);
  const std::int64_t n_chain = 3;
  const ChainRange local = mpi.split(n_chain);
  const int last = mpi.size() - 1;
  // A rank-local failure: the last rank throws first and waits in a barrier
  // that the others reach before they throw. A collective H5Fclose in its
  // destructor would wait for them while they wait in the barrier: deadlock.
  try {
    EnsembleWriter w(mpi, temp_file(mpi, "unwinding"), true, make_layout(n_chain), make_config(),
                     "flowlat hmc --test", "hmc", local);
    write_entries(w, local, 0, 4, 4);
    if (mpi.rank() == last) throw std::runtime_error("rank-local failure");
    MPI_Barrier(mpi.comm());
    throw std::runtime_error("the other ranks fail later");
  } catch (const std::runtime_error&) {
    if (mpi.rank() == last) MPI_Barrier(mpi.comm());
  }
  MPI_Barrier(mpi.comm());
}

TEST(EnsembleIo, ExistingFileNeedsOverwrite) {
  const MpiContext mpi(MPI_COMM_WORLD);
  const std::string path = temp_file(mpi, "exists");
  if (mpi.is_root()) std::filesystem::remove(path);
  MPI_Barrier(mpi.comm());
  const Config config = make_config();
  {
    const ChainRange local = mpi.split(3);
    EnsembleWriter w(mpi, path, false, make_layout(3), config, "flowlat hmc --test", "hmc", local);
    write_entries(w, local, 0, 2, 4);
    w.finish({});
  }
  // every rank throws the same InputError, and the file is left alone
  const std::string message = input_error([&] {
    EnsembleWriter w(mpi, path, false, make_layout(5), config, "x", "hmc", mpi.split(5));
  });
  EXPECT_EQ(message, "run.output: file '" + path + "' exists; set run.overwrite = true to replace it");
  MPI_Barrier(mpi.comm());
  if (mpi.is_root()) check_data(path, 3, 2, true);
  MPI_Barrier(mpi.comm());
  {
    const ChainRange local = mpi.split(5);
    EnsembleWriter w(mpi, path, true, make_layout(5), config, "flowlat hmc --test", "hmc", local);
    write_entries(w, local, 0, 5, 4);
    w.finish({});
  }
  MPI_Barrier(mpi.comm());
  if (mpi.is_root()) {
    check_data(path, 5, 5, true);
    EXPECT_TRUE(EnsembleReader(path).summary().empty());
  }
  MPI_Barrier(mpi.comm());
}

TEST(EnsembleIo, WriterRejectsInconsistentInput) {
  const MpiContext mpi(MPI_COMM_WORLD);
  const std::string path = temp_file(mpi, "inconsistent");
  const ChainRange local = mpi.split(4);
  EnsembleWriter w(mpi, path, true, make_layout(4), make_config(), "x", "hmc", local);
  const auto n = std::size_t(local.count);
  FieldHost field("field", std::max<std::size_t>(n, 1), kDof + 1);
  std::vector<std::vector<double>> obs(2, std::vector<double>(n)), corr(1, std::vector<double>(n * kCorrLen));
  EXPECT_THROW(w.add_saved(field, obs, corr), RuntimeFailure);  // wrong dof
  FieldHost good("field", std::max<std::size_t>(n, 1), kDof);
  EXPECT_THROW(w.add_saved(good, {obs[0]}, corr), RuntimeFailure);  // one observable missing
  EXPECT_THROW(w.add_record({}, {{}}), RuntimeFailure);
  EXPECT_EQ(w.buffered_saved(), 0);
  if (mpi.size() > 1) {
    // rank 0 buffers one more entry than the others: every rank refuses to flush
    if (mpi.is_root()) w.add_record({std::vector<double>(n)}, {std::vector<int>(n)});
    EXPECT_THROW(w.flush(), RuntimeFailure);
  }
}

TEST(EnsembleIo, ReaderRejectsOtherFiles) {
  const MpiContext mpi(MPI_COMM_WORLD);
  if (mpi.is_root()) {
    const std::string missing = testing::TempDir() + "ensemble_io_no_such_file.h5";
    EXPECT_EQ(input_error([&] { EnsembleReader r(missing); }).rfind(missing + ": cannot open HDF5 file", 0), 0u);
    const std::string text = temp_file(mpi, "text");
    std::ofstream(text) << "not hdf5\n";
    EXPECT_EQ(input_error([&] { EnsembleReader r(text); }).rfind(text + ": cannot open HDF5 file", 0), 0u);
    const std::string plain = temp_file(mpi, "plain");
    const hid_t f = H5Fcreate(plain.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    H5Fclose(f);
    EXPECT_EQ(input_error([&] { EnsembleReader r(plain); }),
              plain + ": not a flowlat ensemble (no /ensemble group)");
    std::ostringstream out;
    EXPECT_NE(input_error([&] { command_inspect(plain, out); }).find("not a flowlat ensemble"),
              std::string::npos);
  }
  MPI_Barrier(mpi.comm());
}

TEST(EnsembleIo, InspectPrintsWhatTheFileHolds) {
  const MpiContext mpi(MPI_COMM_WORLD);
  const std::string path = temp_file(mpi, "inspect"), unfinished = temp_file(mpi, "inspect_open");
  const Config config = make_config();
  const ChainRange local = mpi.split(5);
  {
    EnsembleWriter w(mpi, path, true, make_layout(5), config, "flowlat hmc --test", "hmc", local);
    write_entries(w, local, 0, 6, 4);
    w.finish({{"a", 1.5}, {"a_error", 0.25}});
  }
  {
    EnsembleWriter w(mpi, unfinished, true, make_layout(5), config, "flowlat hmc", "hmc", local);
    write_entries(w, local, 0, 4, 4);
  }
  MPI_Barrier(mpi.comm());
  if (mpi.is_root()) {
    std::ostringstream out;
    EXPECT_EQ(command_inspect(path, out), 0);
    const std::string text = out.str();
    for (const char* what :
         {"phi4", "8x8", "m2 = -4", "lambda = 8", "4x3", "flowlat hmc --test", "naive",
          "complete      yes", "chains        5", "saved         6", "records       12", "+- 0.25",
          "acceptance", "C_t[5]", "sampler       hmc"})
      EXPECT_NE(text.find(what), std::string::npos) << what << " missing in:\n" << text;
    // mean of obs a over chains 0..4 and saved 0..5: 100 * 2 + 2.5
    EXPECT_NE(text.find("202.5"), std::string::npos) << text;
    std::ostringstream open;
    command_inspect(unfinished, open);
    EXPECT_NE(open.str().find("complete      no"), std::string::npos) << open.str();
    EXPECT_NE(open.str().find("saved         4"), std::string::npos) << open.str();
  }
  MPI_Barrier(mpi.comm());
}
