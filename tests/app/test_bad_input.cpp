// Bad input, one test per class of error: exit code 2, one line on stderr that
// names the key or file, and no output file left behind.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "run_flowlat.hpp"

using namespace flowlat::testing_support;
namespace fs = std::filesystem;

namespace {

std::string write_ini(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

// A short, valid HMC input writing to `output`.
std::string small_run(const std::string& output) {
  return "[run]\noutput = " + output + "\noverwrite = false\n[lattice]\nshape = 4,4\n"
         "[hmc]\nchains = 2\nthermalization = 2\ntrajectories = 4\n";
}

void expect_one_line_error(const RunResult& r, const std::string& must_name) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
  EXPECT_NE(r.err.find(must_name), std::string::npos) << r.err;
  EXPECT_EQ(r.err.rfind("flowlat: error: ", 0), 0u) << r.err;
}

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    output_ = testing::TempDir() + "bad_input_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".h5";
    fs::remove(output_);
  }
  void TearDown() override { EXPECT_FALSE(fs::exists(output_)) << "an output file was written"; }
  std::string output_;
};

}  // namespace

TEST_F(BadInput, UnknownKeyInFile) {
  const auto ini = write_ini("unknown_key.ini", small_run(output_) + "stepz = 4\n");
  expect_one_line_error(run_flowlat("hmc --config " + ini), "hmc.stepz");
}

TEST_F(BadInput, UnknownKeyOverride) {
  const auto ini = write_ini("unknown_override.ini", small_run(output_));
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --theory.mass=3"), "theory.mass");
}

TEST_F(BadInput, ValueOfWrongType) {
  const auto ini = write_ini("wrong_type.ini", small_run(output_));
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --theory.m2=minus4"), "theory.m2");
}

TEST_F(BadInput, NonPositiveExtent) {
  const auto ini = write_ini("zero_extent.ini", small_run(output_));
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --lattice.shape=8,0"),
                        "lattice.shape");
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --lattice.shape=-8,8"),
                        "lattice.shape");
}

TEST_F(BadInput, OddExtentForCheckerboard) {
  const auto ini = write_ini("odd.ini", small_run(output_));
  expect_one_line_error(run_flowlat("metropolis --config " + ini + " --lattice.shape=8,7"),
                        "lattice.shape");
}

TEST_F(BadInput, NegativeStepCounts) {
  const auto ini = write_ini("negative.ini", small_run(output_));
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --hmc.steps=-3"), "hmc.steps");
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --hmc.trajectories=-1"),
                        "hmc.trajectories");
  expect_one_line_error(run_flowlat("metropolis --config " + ini + " --metropolis.sweeps=-5"),
                        "metropolis.sweeps");
}

TEST_F(BadInput, UnknownChoice) {
  const auto ini = write_ini("choice.ini", small_run(output_));
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --hmc.integrator=euler"),
                        "hmc.integrator");
}

TEST_F(BadInput, OutputPathNotWritable) {
  // a directory below a regular file cannot exist, even for root
  const auto ini = write_ini("unwritable.ini", small_run("/etc/hostname/sub/out.h5"));
  expect_one_line_error(run_flowlat("hmc --config " + ini), "run.output");
}

TEST_F(BadInput, ExistingOutputWithoutOverwrite) {
  const auto ini = write_ini("exists.ini", small_run(output_));
  std::ofstream(output_) << "not an ensemble";
  expect_one_line_error(run_flowlat("hmc --config " + ini), "run.overwrite");
  // the existing file is untouched
  EXPECT_EQ(slurp(output_), "not an ensemble");
  fs::remove(output_);
}

TEST_F(BadInput, MissingConfigFile) {
  expect_one_line_error(run_flowlat("hmc --config /nonexistent/input.ini"), "/nonexistent/input.ini");
}

TEST_F(BadInput, UnknownCommand) { expect_one_line_error(run_flowlat("hcm"), "hcm"); }

TEST_F(BadInput, InspectMissingOrForeignFile) {
  expect_one_line_error(run_flowlat("inspect /nonexistent/file.h5"), "/nonexistent/file.h5");
  const auto text = write_ini("not_hdf5.h5", "plain text");
  expect_one_line_error(run_flowlat("inspect " + text), text);
}

TEST_F(BadInput, SameErrorUnderMpi) {
  const auto ini = write_ini("mpi_bad.ini", small_run(output_));
  const auto r = run_flowlat("hmc --config " + ini + " --hmc.steps=0", 2);
  EXPECT_EQ(r.exit_code, 2);
  // printed once (rank 0), not once per rank
  EXPECT_EQ(r.err.find("hmc.steps"), r.err.rfind("hmc.steps")) << r.err;
}

TEST_F(BadInput, HugeCountsAreRangeErrorsNamingTheKey) {
  const auto ini = write_ini("huge.ini", small_run(output_));
  const std::string max64 = "18446744073709551615";
  for (const std::string key : {"hmc.steps", "hmc.save_every", "run.flush_every", "hmc.chains"})
    expect_one_line_error(run_flowlat("hmc --config " + ini + " --" + key + "=" + max64), key);
  for (const std::string key : {"train.log_every", "train.checkpoint_every", "train.batch"})
    expect_one_line_error(run_flowlat("train --" + key + "=" + max64 + " --flow.model=" + output_),
                          key);
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --run.seed=18446744073709551616"),
                        "run.seed");
}

TEST_F(BadInput, ConfigArgument) {
  const auto ini = write_ini("config_arg.ini", small_run(output_));
  expect_one_line_error(run_flowlat("hmc --config " + testing::TempDir()), "--config");
  expect_one_line_error(run_flowlat("hmc --config="), "--config");
  expect_one_line_error(run_flowlat("hmc --config"), "--config");
  expect_one_line_error(run_flowlat("hmc --config --hmc.steps=3"), "--config");
  // the first of two used to be ignored without a word
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --config=" + ini), "--config");
  // reading fails (EIO) although opening works
  expect_one_line_error(run_flowlat("hmc --config /proc/self/mem"), "--config");
  // a FIFO would block the run until someone writes to it
  const std::string fifo = testing::TempDir() + "bad_input_config.fifo";
  fs::remove(fifo);
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  expect_one_line_error(run_flowlat("hmc --config " + fifo), "--config");
  fs::remove(fifo);
  // a syntax error names the file and line
  const auto broken = write_ini("config_syntax.ini", "[run\n");
  expect_one_line_error(run_flowlat("hmc --config " + broken), broken + ":1");
}

TEST_F(BadInput, KokkosOptions) {
  const auto ini = write_ini("kokkos.ini", small_run(output_));
  // Kokkos itself threw std::invalid_argument out of main here
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --kokkos-threads=abc"),
                        "--kokkos-threads");
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --kokkos-threads=0"),
                        "--kokkos-threads");
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --kokkos-threads"),
                        "--kokkos-threads");
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --kokkos-num-threads=-2"),
                        "--kokkos-num-threads");
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --kokkos-device-id=x"),
                        "--kokkos-device-id");
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --kokkos-disable-warnings=1"),
                        "--kokkos-disable-warnings");
  // unknown ones used to be passed to Kokkos and ignored
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --kokkos-thread=2"),
                        "--kokkos-thread");
  // what Kokkos still checks itself: its environment
  setenv("KOKKOS_NUM_THREADS", "abc", 1);
  const RunResult env = run_flowlat("hmc --config " + ini);
  unsetenv("KOKKOS_NUM_THREADS");
  expect_one_line_error(env, "KOKKOS_NUM_THREADS");

  const RunResult help = run_flowlat("hmc --kokkos-help");
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(help.out.find("--kokkos-threads"), std::string::npos) << help.out;
}

TEST(GoodInput, KokkosThreadsAndHashInFileName) {
  // a '#' inside a value is part of it; ' #' starts a comment
  const std::string output = testing::TempDir() + "good_input_a#b.h5";
  fs::remove(output);
  const auto ini = write_ini("hash_value.ini", small_run(output + "   # the output") +
                                                   "[hmc]\n# a comment line\n");
  const RunResult r =
      run_flowlat("hmc --config " + ini + " --kokkos-threads=1 --kokkos-disable-warnings");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(output));
  fs::remove(output);
}
