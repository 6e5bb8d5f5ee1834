// A run killed with SIGKILL (no unwinding, no finish) leaves a readable file
// holding the blocks its time-based flushes wrote: complete = 0, n_saved and
// n_records counting only complete entries.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "flowlat/io/ensemble_reader.hpp"
#include "run_flowlat.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;
namespace fs = std::filesystem;

TEST(KilledRun, FlushedBlocksSurviveSigkill) {
  const std::string output = testing::TempDir() + "killed_run.h5", lock = output + ".lock";
  const std::string pid_file = testing::TempDir() + "killed_run.pid";
  fs::remove(output), fs::remove(lock), fs::remove(pid_file);
  // runs until killed, flushing every 0.2 s
  const std::string start = std::string(FLOWLAT_BINARY) +
                            " hmc --lattice.shape=4,4 --hmc.chains=3 --hmc.thermalization=0"
                            " --hmc.trajectories=4000000000 --run.flush_seconds=0.2"
                            " --run.progress_seconds=0 --run.output=" +
                            output + " >/dev/null 2>&1 & echo $! > " + pid_file;
  ASSERT_EQ(std::system(start.c_str()), 0);
  for (int i = 0; i < 600 && !fs::exists(lock); ++i) usleep(50000);
  ASSERT_TRUE(fs::exists(lock));
  sleep(2);  // about ten flush intervals
  // kill between two flushes (a flush lasts milliseconds; HDF5 does not
  // promise a readable file if it is cut in the middle of one): just after
  // the file changed
  const auto before = fs::last_write_time(output);
  for (int i = 0; i < 2000 && fs::last_write_time(output) == before; ++i) usleep(2000);
  usleep(50000);
  const pid_t pid = pid_t(std::stol(slurp(pid_file)));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  for (int i = 0; i < 200 && kill(pid, 0) == 0; ++i) usleep(50000);

  const EnsembleReader r(output);
  EXPECT_FALSE(r.complete());
  EXPECT_EQ(r.n_chain(), 3);
  EXPECT_GT(r.n_saved(), 0);
  EXPECT_EQ(r.n_records(), r.n_saved());  // save_every = 1: both advance together
  const auto configs = r.configs();
  ASSERT_EQ(configs.size(), std::size_t(3 * r.n_saved() * 16));
  int bad = 0;
  for (double v : configs) bad += std::isfinite(v) ? 0 : 1;
  EXPECT_EQ(bad, 0);
  // the last saved configuration of every chain is a real one (a cold start
  // moves away from zero in the first trajectory)
  for (int c = 0; c < 3; ++c) {
    double norm = 0;
    for (int x = 0; x < 16; ++x)
      norm += std::abs(configs[std::size_t((c + 1) * r.n_saved() - 1) * 16 + x]);
    EXPECT_GT(norm, 0) << "chain " << c;
  }
  for (const auto& name : r.record_names())
    EXPECT_EQ(r.record(name).size(), std::size_t(3 * r.n_records()));
  fs::remove(output), fs::remove(lock), fs::remove(pid_file);
}
