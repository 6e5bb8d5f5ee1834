// Bad input, one test per class of error: exit code 2, one line on stderr that
// names the key or file, and no output file left behind (docs/BAD_INPUT.md
// lists every class and its test).
#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

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
  // Kokkos itself threw std::invalid_argument out of main here; unknown
  // options (the last) used to be passed to Kokkos and ignored
  for (const auto& [option, key] :
       {std::pair{"--kokkos-threads=abc", "--kokkos-threads"},
        {"--kokkos-threads=0", "--kokkos-threads"}, {"--kokkos-threads", "--kokkos-threads"},
        {"--kokkos-num-threads=-2", "--kokkos-num-threads"},
        {"--kokkos-device-id=x", "--kokkos-device-id"},
        {"--kokkos-disable-warnings=1", "--kokkos-disable-warnings"},
        {"--kokkos-thread=2", "--kokkos-thread"}}) {
    SCOPED_TRACE(option);
    expect_one_line_error(run_flowlat("hmc --config " + ini + " " + option), key);
  }
  // Kokkos' environment (Kokkos 4 aborts on a bad value: checked first)
  for (const auto& [variable, value] :
       {std::pair{"KOKKOS_NUM_THREADS", "abc"}, {"KOKKOS_DEVICE_ID", "-1"},
        {"KOKKOS_DISABLE_WARNINGS", "maybe"}}) {
    const char* before = std::getenv(variable);
    const std::string saved = before ? before : "";
    setenv(variable, value, 1);
    const RunResult env = run_flowlat("hmc --config " + ini);
    if (before)
      setenv(variable, saved.c_str(), 1);
    else
      unsetenv(variable);
    expect_one_line_error(env, variable);
  }

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

TEST_F(BadInput, OutputIsNotARegularFile) {
  const auto ini = write_ini("not_regular.ini", small_run(output_));
  // /dev/null used to crash inside parallel HDF5
  for (const std::string special : {"/dev/null", "/dev/full"})
    expect_one_line_error(
        run_flowlat("hmc --config " + ini + " --run.overwrite=true --run.output=" + special),
        "run.output");
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --run.overwrite=true --run.output=" +
                                    testing::TempDir()),
                        "run.output");
  const std::string fifo = testing::TempDir() + "bad_input_output.fifo";
  fs::remove(fifo);
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  expect_one_line_error(
      run_flowlat("hmc --config " + ini + " --run.overwrite=true --run.output=" + fifo),
      "run.output");
  fs::remove(fifo);
}

TEST_F(BadInput, OutputPathsThatUsedToThrowFilesystemErrors) {
  const auto ini = write_ini("fs_errors.ini", small_run(output_));
  const std::string too_long = testing::TempDir() + std::string(300, 'x') + ".h5";
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --run.output=" + too_long),
                        "run.output");
  const std::string a = testing::TempDir() + "bad_input_loop_a", b = testing::TempDir() + "bad_input_loop_b";
  fs::remove(a), fs::remove(b);
  fs::create_symlink(b, a), fs::create_symlink(a, b);
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --run.output=" + a), "run.output");
  fs::remove(a), fs::remove(b);
  expect_one_line_error(
      run_flowlat("hmc --config " + ini + " --run.overwrite=true --run.output=/proc/flowlat.h5"),
      "run.output");
  expect_one_line_error(
      run_flowlat("hmc --config " + ini + " --run.overwrite=true --run.output=/proc/self/comm"),
      "run.output");
  // the input file is never an output
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --run.overwrite=true --run.output=" + ini),
                        "run.output");
  EXPECT_NE(slurp(ini).find("[hmc]"), std::string::npos);
}

namespace {
std::string host() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}
}  // namespace

TEST_F(BadInput, OutputLockedByAnotherRun) {
  const auto ini = write_ini("locked.ini", small_run(output_));
  const std::string lock = output_ + ".lock";
  // a live process on this host (this test) holds it
  std::ofstream(lock) << getpid() << " " << host() << "\n";
  expect_one_line_error(run_flowlat("hmc --config " + ini), "run.output");
  // a run on another host cannot be checked: refused, the message says what to do
  std::ofstream(lock) << "12345 some-other-host\n";
  const RunResult other = run_flowlat("hmc --config " + ini);
  expect_one_line_error(other, "run.output");
  EXPECT_NE(other.err.find(lock), std::string::npos) << other.err;
  EXPECT_TRUE(fs::exists(lock));  // not ours to remove
  fs::remove(lock);
}

TEST(OutputLock, StaleLockIsReplacedAndEveryExitRemovesIt) {
  const std::string output = testing::TempDir() + "lock_stale.h5", lock = output + ".lock";
  fs::remove(output);
  const auto ini = write_ini("stale.ini", small_run(output));
  // pid 2^31 - 1 is above any pid_max: a run that is gone
  std::ofstream(lock) << "2147483647 " << host() << "\n";
  const RunResult r = run_flowlat("hmc --config " + ini + " --run.progress_seconds=0");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("stale lock"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(output));
  EXPECT_FALSE(fs::exists(lock));
  fs::remove(output);
  // an error after the lock was taken (run_chains' 2^32 check) removes it too
  const RunResult bad = run_flowlat("hmc --config " + ini +
                                    " --hmc.thermalization=4294967295 --hmc.trajectories=1");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_FALSE(fs::exists(lock));
  EXPECT_FALSE(fs::exists(output));
}

TEST(OutputLock, SecondRunOnTheSameOutputIsRefused) {
  const std::string output = testing::TempDir() + "lock_concurrent.h5", lock = output + ".lock";
  const std::string pid_file = testing::TempDir() + "lock_concurrent.pid";
  fs::remove(output), fs::remove(lock), fs::remove(pid_file);
  const auto ini = write_ini("concurrent.ini", small_run(output));
  // a run that lasts until it is killed
  const std::string first = std::string(FLOWLAT_BINARY) + " hmc --config " + ini +
                            " --hmc.trajectories=4000000000 >/dev/null 2>&1 & echo $! > " + pid_file;
  ASSERT_EQ(std::system(first.c_str()), 0);
  for (int i = 0; i < 600 && !fs::exists(lock); ++i) usleep(50000);
  ASSERT_TRUE(fs::exists(lock));
  const RunResult second = run_flowlat("hmc --config " + ini + " --run.overwrite=true");
  EXPECT_EQ(second.exit_code, 2) << second.err;
  EXPECT_NE(second.err.find("run.output"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("another flowlat run"), std::string::npos) << second.err;
  // killed: no unwinding, the lock stays and the next run finds it stale
  const pid_t pid = pid_t(std::stol(slurp(pid_file)));
  kill(pid, SIGKILL);
  for (int i = 0; i < 200 && kill(pid, 0) == 0; ++i) usleep(50000);
  EXPECT_TRUE(fs::exists(lock));
  const RunResult third = run_flowlat("hmc --config " + ini + " --run.overwrite=true");
  EXPECT_EQ(third.exit_code, 0) << third.err;
  EXPECT_FALSE(fs::exists(lock));
  fs::remove(output), fs::remove(pid_file);
}

TEST_F(BadInput, FreeFieldNeedsPositiveMass) {
  const auto ini = write_ini("free.ini", small_run(output_));
  for (const std::string m2 : {"0", "-0.5"})
    expect_one_line_error(run_flowlat("hmc --config " + ini + " --theory.lambda=0 --theory.m2=" + m2),
                          "theory.m2");
  expect_one_line_error(
      run_flowlat("metropolis --config " + ini + " --theory.lambda=0 --theory.m2=-1"), "theory.m2");
}

TEST_F(BadInput, MoreMemoryThanTheMachineHas) {
  const auto ini = write_ini("memory.ini", small_run(output_));
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --hmc.chains=4294967295"),
                        "hmc.chains");
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --lattice.shape=1048576,1048576"),
                        "lattice.shape");
  expect_one_line_error(run_flowlat("train --train.batch=4294967295 --flow.model=" + output_),
                        "train.batch");
}

namespace {
// Sets an int64 attribute of /ensemble in an existing file.
void set_ensemble_attr(const std::string& path, const char* name, long long value) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t group = H5Gopen2(file, "ensemble", H5P_DEFAULT);
  const hid_t attr = H5Aopen(group, name, H5P_DEFAULT);
  EXPECT_GE(H5Awrite(attr, H5T_NATIVE_LLONG, &value), 0);
  H5Aclose(attr), H5Gclose(group), H5Fclose(file);
}
}  // namespace

TEST_F(BadInput, TrainingInputsAndOutputsApart) {
  const std::string data = testing::TempDir() + "bad_input_train_data.h5";
  fs::remove(data);
  const auto ini = write_ini("train_data.ini", small_run(data));
  ASSERT_EQ(run_flowlat("hmc --config " + ini + " --run.progress_seconds=0").exit_code, 0);
  const std::string train = "train --lattice.shape=4,4 --flow.layers=2 --flow.hidden=4,4 "
                            "--train.batch=8 --train.steps=2 --train.loss=forward_kl "
                            "--train.data=" + data + " --run.overwrite=true ";
  // the model would be renamed over the ensemble it trains on
  expect_one_line_error(run_flowlat(train + "--flow.model=" + data), "flow.model");
  // a directory as model: refused before the first step, not after the last
  const RunResult dir = run_flowlat(train + "--flow.model=" + testing::TempDir());
  expect_one_line_error(dir, "flow.model");
  EXPECT_EQ(dir.out.find("step"), std::string::npos) << dir.out;

  // attributes promising more than the datasets hold were read out of bounds
  set_ensemble_attr(data, "n_chain", 1000);
  expect_one_line_error(run_flowlat(train + "--flow.model=" + output_), "train.data");
  set_ensemble_attr(data, "n_chain", 2);
  set_ensemble_attr(data, "n_saved", 1000000);
  expect_one_line_error(run_flowlat(train + "--flow.model=" + output_), "train.data");
  set_ensemble_attr(data, "n_saved", -5);
  expect_one_line_error(run_flowlat(train + "--flow.model=" + output_), "train.data");
  fs::remove(data);
}

// Tempering: only for reverse KL, with a start scale in (0, 1].
TEST_F(BadInput, TemperingOutOfPlace) {
  const std::string train = "train --lattice.shape=4,4 --flow.layers=2 --flow.hidden=4,4 "
                            "--train.batch=8 --train.steps=4 --run.overwrite=true "
                            "--flow.model=" + output_ + " ";
  expect_one_line_error(run_flowlat(train + "--train.temper_steps=-2"), "train.temper_steps");
  expect_one_line_error(run_flowlat(train + "--train.temper_steps=2 --train.temper_from=0"),
                        "train.temper_from");
  expect_one_line_error(run_flowlat(train + "--train.temper_steps=2 --train.temper_from=1.5"),
                        "train.temper_from");
  expect_one_line_error(
      run_flowlat(train + "--train.temper_steps=2 --train.loss=forward_kl --train.data=x.h5"),
      "train.temper_steps");
}

TEST_F(BadInput, SampleDoesNotWriteOverItsModel) {
  const std::string model = testing::TempDir() + "bad_input_sample_model.h5";
  fs::remove(model);
  const std::string arch = "--lattice.shape=4,4 --flow.layers=2 --flow.hidden=4,4 ";
  ASSERT_EQ(run_flowlat("train " + arch + "--train.batch=8 --train.steps=2 --flow.model=" + model)
                .exit_code,
            0);
  expect_one_line_error(run_flowlat("sample " + arch + "--flow.model=" + model +
                                    " --run.overwrite=true --run.output=" + model),
                        "run.output");
  // continuing a model into its own file is legitimate (read first, then
  // written via <file>.tmp and a rename)
  const RunResult more = run_flowlat("train " + arch + "--train.batch=8 --train.steps=4 --flow.model=" +
                                     model + " --train.init_model=" + model + " --run.overwrite=true");
  EXPECT_EQ(more.exit_code, 0) << more.err;
  fs::remove(model);
}

// A theory's keys exist only in its runs; U(1)'s lattices are checked where
// its updates and flows need them.
TEST_F(BadInput, TheoryKeysAndU1Lattices) {
  const std::string u1 = "hmc --theory.name=u1 --run.output=" + output_;
  expect_one_line_error(run_flowlat(u1 + " --theory.m2=-4"), "theory.m2");
  expect_one_line_error(run_flowlat(u1 + " --flow.equivariance=z2"), "flow.equivariance");
  expect_one_line_error(run_flowlat("hmc --theory.beta=2 --run.output=" + output_), "theory.beta");
  expect_one_line_error(run_flowlat("hmc --theory.name=su3 --run.output=" + output_), "theory.name");
  const auto ini = write_ini("u1_phi4_key.ini", "[theory]\nname = u1\nlambda = 3\n");
  expect_one_line_error(run_flowlat("hmc --config " + ini + " --run.output=" + output_),
                        "theory.lambda");
  expect_one_line_error(run_flowlat(u1 + " --theory.beta=-1"), "theory.beta");
  expect_one_line_error(run_flowlat(u1 + " --lattice.shape=16"), "lattice.shape");
  expect_one_line_error(
      run_flowlat("metropolis --theory.name=u1 --lattice.shape=8,7 --run.output=" + output_),
      "lattice.shape");
  const std::string model = " --flow.model=" + output_ + ".model.h5";
  expect_one_line_error(run_flowlat("train --theory.name=u1 --lattice.shape=6,8" + model),
                        "lattice.shape");
  expect_one_line_error(run_flowlat("train --theory.name=u1 --lattice.shape=4,4,4" + model),
                        "lattice.shape");
  expect_one_line_error(run_flowlat("train --theory.name=u1 --flow.components=0" + model),
                        "flow.components");
  expect_one_line_error(run_flowlat("train --theory.name=u1 --flow.coupling=affine" + model),
                        "flow.coupling");
  // a model of the other theory
  const std::string phi4_model = std::string(FLOWLAT_SOURCE_DIR) + "/tests/data/phi4_8x8_z2.model.h5";
  expect_one_line_error(run_flowlat("sample --theory.name=u1 --flow.model=" + phi4_model +
                                    " --run.output=" + output_),
                        "theory.name");
}
