// Graceful stop: a signal to a running flowlat ends it at the next clean
// point with exit code 3 and one line, leaving files that are readable and
// say what they hold (samplers: complete = 0 with every flushed block;
// training: the checkpoint of the step reached).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "flowlat/io/ensemble_reader.hpp"
#include "flowlat/io/model_file.hpp"
#include "run_flowlat.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;
namespace fs = std::filesystem;

namespace {

// Starts `args` (prefixed by `launcher`), waits until `ready` exists (the
// run is past its input checks), sends `signal` to `target` (the flowlat
// process or the launcher), and returns the exit code and output.
RunResult run_and_signal(const std::string& launcher, const std::string& args,
                         const std::string& ready, const std::string& signal,
                         const std::string& target) {
  static int counter = 0;
  const std::string base = testing::TempDir() + "stop_signal_" + std::to_string(counter++);
  const std::string script =
      launcher + " " + FLOWLAT_BINARY + " " + args + " >" + base + ".out 2>" + base + ".err & " +
      "pid=$!; for i in $(seq 600); do [ -e '" + ready + "' ] && break; sleep 0.1; done; " +
      "sleep 1; " +
      (target == "flowlat" ? "pkill -" + signal + " -P $pid -x flowlat || kill -" + signal +
                                 " $pid; "
                           : "kill -" + signal + " $pid; ") +
      "wait $pid; echo $? > " + base + ".rc";
  {
    std::ofstream(base + ".sh") << script << "\n";
  }
  std::system(("bash " + base + ".sh").c_str());
  RunResult r;
  r.exit_code = std::stoi(slurp(base + ".rc"));
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  return r;
}

}  // namespace

TEST(StopSignal, HmcStopsCleanlyOnSigterm) {
  const std::string out = testing::TempDir() + "stop_hmc.h5";
  fs::remove(out);
  const RunResult r = run_and_signal(
      "", "hmc --hmc.trajectories=100000000 --hmc.chains=2 --run.progress_seconds=0 "
          "--run.output=" + out,
      out, "TERM", "flowlat");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("stopped by SIGTERM"), std::string::npos) << r.out;
  const EnsembleReader reader(out);
  EXPECT_FALSE(reader.complete());
  EXPECT_GT(reader.n_saved(), 0);
  // the file holds what the message says: every save up to the stop
  const std::size_t at = r.out.find(" holds ");
  ASSERT_NE(at, std::string::npos) << r.out;
  EXPECT_EQ(std::stoll(r.out.substr(at + 7)), reader.n_saved()) << r.out;
  EXPECT_EQ(std::int64_t(reader.obs("absM").size()), 2 * reader.n_saved());
  EXPECT_FALSE(fs::exists(out + ".lock"));
}

TEST(StopSignal, TrainingWritesACheckpointOnSigusr1UnderMpi) {
  const std::string model = testing::TempDir() + "stop_train.model.h5";
  fs::remove(model);
  // mpiexec forwards SIGUSR1 (Slurm's --signal) to every rank
  const RunResult r = run_and_signal(
      std::string(FLOWLAT_MPIEXEC) + " " + FLOWLAT_MPIEXEC_FLAGS + " -n 2",
      "train --lattice.shape=4,4 --flow.layers=2 --train.steps=100000000 "
      "--train.checkpoint_every=0 --run.progress_seconds=0 --flow.model=" + model,
      model + ".lock", "USR1", "launcher");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("stopped by SIGUSR1 at step"), std::string::npos) << r.out;
  const ModelFileContents m = read_model_file(model);
  EXPECT_GT(m.adam_step, 0);
  EXPECT_NE(r.out.find("checkpoint of step " + std::to_string(m.adam_step)), std::string::npos)
      << r.out;
  EXPECT_EQ(m.history.size(), std::size_t(m.adam_step));
}
