// run.resume: a run stopped by SIGTERM or killed with SIGKILL at a random
// moment, continued on the same and on another number of ranks, and a
// finished run extended to more updates, each give a file whose every dataset
// is bit for bit that of one uninterrupted run (hmc, sample; metropolis and
// hybrid extended); inputs that would change the chains are refused naming
// the key, and so are files of another command.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "flowlat/io/ensemble_reader.hpp"
#include "run_flowlat.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;
namespace fs = std::filesystem;

namespace {

std::string temp(const std::string& name) { return testing::TempDir() + "resume_" + name; }

void remove_output(const std::string& path) {
  fs::remove(path);
  fs::remove(path + ".lock");
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// Every dataset of the two ensembles, bit for bit: configurations,
// observables, correlators, MCMC records, the summary and the chain state.
void expect_same_ensemble(const std::string& expected_path, const std::string& actual_path) {
  SCOPED_TRACE(actual_path + " against " + expected_path);
  const EnsembleReader expected(expected_path), actual(actual_path);
  EXPECT_TRUE(actual.complete());
  ASSERT_EQ(actual.n_chain(), expected.n_chain());
  ASSERT_EQ(actual.n_saved(), expected.n_saved());
  ASSERT_EQ(actual.n_records(), expected.n_records());
  EXPECT_TRUE(same_bits(actual.configs(), expected.configs())) << "configs";
  ASSERT_EQ(actual.obs_names(), expected.obs_names());
  for (const auto& name : expected.obs_names())
    EXPECT_TRUE(same_bits(actual.obs(name), expected.obs(name))) << "obs/" << name;
  ASSERT_EQ(actual.corr_names(), expected.corr_names());
  for (const auto& name : expected.corr_names())
    EXPECT_TRUE(same_bits(actual.corr(name), expected.corr(name))) << "corr/" << name;
  ASSERT_EQ(actual.record_names(), expected.record_names());
  for (const auto& name : expected.record_names())
    EXPECT_TRUE(same_bits(actual.record(name), expected.record(name))) << "mcmc/" << name;
  const auto summary = actual.summary(), expected_summary = expected.summary();
  ASSERT_EQ(summary.size(), expected_summary.size());
  for (std::size_t i = 0; i < summary.size(); ++i) {
    EXPECT_EQ(summary[i].first, expected_summary[i].first);
    EXPECT_TRUE(same_bits({summary[i].second}, {expected_summary[i].second}))
        << "summary " << summary[i].first;
  }
  EXPECT_EQ(actual.resume_updates(), expected.resume_updates());
  for (int slot : {0, 1})
    EXPECT_TRUE(same_bits(actual.resume_state("field", slot, 0, actual.n_chain()),
                          expected.resume_state("field", slot, 0, expected.n_chain())))
        << "/resume/field slot " << slot;
}

// Starts `args` (on `ranks` ranks through mpiexec, or alone), waits until it
// has created its output and `delay_ms` more (a file cut in its first
// milliseconds may not be HDF5 yet: resume refuses it), then sends
// `signal` to every flowlat process of the run and waits until they are all
// gone. Returns the exit code of the run (of mpiexec under MPI).
int run_and_interrupt(const std::string& args, int ranks, const std::string& output,
                      const std::string& signal, int delay_ms) {
  static int counter = 0;
  const std::string base = temp("signal_" + std::to_string(counter++));
  const std::string launcher = ranks > 1
                                   ? std::string(FLOWLAT_MPIEXEC) + " " + FLOWLAT_MPIEXEC_FLAGS +
                                         " -n " + std::to_string(ranks) + " "
                                   : std::string();
  const std::string script =
      launcher + FLOWLAT_BINARY + " " + args + " >" + base + ".out 2>&1 & pid=$!\n" +
      "for i in $(seq 600); do [ -e '" + output + "' ] && break; sleep 0.05; done\n" + "sleep " +
      std::to_string(delay_ms / 1000.0) + "\n" +
      (ranks > 1 ? "targets=$(pgrep -P $pid -x flowlat)\n" : "targets=$pid\n") + "kill -" + signal +
      " $targets\n" + "wait $pid; echo $? > " + base + ".rc\n" +
      // a killed rank may take a moment to disappear; its lock is stale only then
      "for p in $targets; do while kill -0 $p 2>/dev/null; do sleep 0.02; done; done\n";
  std::ofstream(base + ".sh") << script;
  std::system(("bash " + base + ".sh").c_str());
  return std::stoi(slurp(base + ".rc"));
}

RunResult run(const std::string& args, int ranks = 1) {
  return run_flowlat(args, ranks > 1 ? ranks : 0);
}

// A random moment: milliseconds in [low, high).
int random_delay(int low, int high) {
  static std::mt19937 engine{std::random_device{}()};
  return std::uniform_int_distribution<int>(low, high - 1)(engine);
}

// The interrupted file, copied: one copy is resumed on `ranks`, the other on
// `other_ranks`; both must equal `reference`.
void resume_both_ways(const std::string& command, const std::string& args,
                      const std::string& interrupted, int ranks, int other_ranks,
                      const std::string& reference) {
  const std::string copy = interrupted + ".copy.h5";
  remove_output(copy);
  fs::copy_file(interrupted, copy);
  {
    const EnsembleReader file(interrupted);
    EXPECT_FALSE(file.complete());
    std::cout << "  " << interrupted << ": " << file.n_records() << " records, chain state after "
              << file.resume_updates()[0] << " / " << file.resume_updates()[1] << " updates\n";
  }
  for (const auto& [path, n] : {std::pair{interrupted, ranks}, std::pair{copy, other_ranks}}) {
    const RunResult r = run(command + " " + args + " --run.resume=true --run.output=" + path, n);
    ASSERT_EQ(r.exit_code, 0) << n << " ranks\n" << r.out << r.err;
    expect_same_ensemble(reference, path);
  }
}

// ---- hmc: 3 chains on 4x4, saves every second trajectory
const std::string kHmc =
    "--lattice.shape=4,4 --hmc.chains=3 --hmc.thermalization=5 --hmc.save_every=2 "
    "--hmc.trajectories=3000 --run.progress_seconds=0";

const std::string& hmc_reference() {
  static const std::string path = [] {
    const std::string p = temp("hmc_reference.h5");
    remove_output(p);
    const RunResult r = run("hmc " + kHmc + " --run.output=" + p);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return p;
  }();
  return path;
}

// ---- sample: a small flow, proposals in blocks of 32 (a resumed run starts
// in the middle of one), saves every third element
const std::string kFlow = "--lattice.shape=4,4 --flow.layers=2 --flow.hidden=4,4 ";

const std::string& trained_model() {
  static const std::string path = [] {
    const std::string p = temp("model.h5");
    remove_output(p);
    const RunResult r = run("train " + kFlow +
                            "--train.batch=16 --train.steps=30 "
                            "--run.progress_seconds=0 --flow.model=" +
                            p);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return p;
  }();
  return path;
}

std::string sample_args(int proposals, const std::string& model = trained_model(),
                        int save_every = 3) {
  return kFlow + "--flow.model=" + model + " --sample.thermalization=10 --sample.batch=32 " +
         "--run.progress_seconds=0 --sample.save_every=" + std::to_string(save_every) +
         " --sample.proposals=" + std::to_string(proposals);
}

const std::string& sample_reference() {
  static const std::string path = [] {
    const std::string p = temp("sample_reference.h5");
    remove_output(p);
    const RunResult r = run("sample " + sample_args(1500) + " --run.output=" + p);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return p;
  }();
  return path;
}

}  // namespace

// (a) SIGTERM: the run flushes its chain state and exits 3; resumed on 1 and 2 ranks.
TEST(Resume, HmcStoppedBySigtermContinuesOnOneAndTwoRanks) {
  const std::string out = temp("hmc_term.h5");
  remove_output(out);
  // flushes after every trajectory: slow enough to be stopped in the middle
  const int rc = run_and_interrupt("hmc " + kHmc + " --run.flush_seconds=0 --run.output=" + out, 1,
                                   out, "TERM", random_delay(200, 500));
  EXPECT_EQ(rc, 3);
  resume_both_ways("hmc", kHmc, out, 1, 2, hmc_reference());
}

// (b) SIGKILL of both ranks at a random moment, often in the middle of a
// flush: the resumed file drops the unfinished block; resumed on 2 and 1 ranks.
TEST(Resume, HmcKilledAtARandomMomentContinuesOnTwoAndOneRanks) {
  const std::string out = temp("hmc_kill.h5");
  remove_output(out);
  run_and_interrupt("hmc " + kHmc + " --run.flush_seconds=0 --run.output=" + out, 2, out, "KILL",
                    random_delay(100, 900));
  resume_both_ways("hmc", kHmc, out, 2, 1, hmc_reference());
}

TEST(Resume, SampleStoppedBySigtermContinuesOnOneAndTwoRanks) {
  const std::string out = temp("sample_term.h5");
  remove_output(out);
  sample_reference();
  const int rc = run_and_interrupt(
      "sample " + sample_args(1500) + " --run.flush_seconds=0 --run.output=" + out, 1, out, "TERM",
      random_delay(200, 500));
  EXPECT_EQ(rc, 3);
  resume_both_ways("sample", sample_args(1500), out, 1, 2, sample_reference());
}

TEST(Resume, SampleKilledAtARandomMomentContinuesOnTwoAndOneRanks) {
  const std::string out = temp("sample_kill.h5");
  remove_output(out);
  sample_reference();
  run_and_interrupt("sample " + sample_args(1500) + " --run.flush_seconds=0 --run.output=" + out, 2,
                    out, "KILL", random_delay(100, 900));
  resume_both_ways("sample", sample_args(1500), out, 2, 1, sample_reference());
}

// (c) A finished run extended to a larger production count equals the longer
// run; the file records the resumption; a complete file at its own count is
// left alone.
TEST(Resume, ExtendingAFinishedRunEqualsTheLongerRun) {
  struct Case {
    std::string command, args, steps_key;
    int ranks;
  };
  const std::vector<Case> cases = {
      {"hmc", "--lattice.shape=4,4 --hmc.chains=3 --hmc.thermalization=3 --hmc.save_every=3",
       "hmc.trajectories", 2},
      {"metropolis",
       "--lattice.shape=4,4 --metropolis.chains=3 --metropolis.thermalization=3 "
       "--metropolis.save_every=2",
       "metropolis.sweeps", 2},
      {"hybrid",
       kFlow + "--flow.model=" + trained_model() +
           " --hybrid.chains=2 --hybrid.thermalization=3 --hybrid.save_every=2",
       "hybrid.trajectories", 1},
      {"sample",
       kFlow + "--flow.model=" + trained_model() +
           " --sample.thermalization=10 --sample.batch=32 --sample.save_every=3",
       "sample.proposals", 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.command);
    const std::string longer = temp(c.command + "_longer.h5"),
                      extended = temp(c.command + "_extended.h5");
    remove_output(longer), remove_output(extended);
    const std::string args = c.args + " --run.progress_seconds=0 ";
    ASSERT_EQ(
        run(c.command + " " + args + "--" + c.steps_key + "=40 --run.output=" + longer).exit_code,
        0);
    ASSERT_EQ(
        run(c.command + " " + args + "--" + c.steps_key + "=17 --run.output=" + extended).exit_code,
        0);
    const RunResult r = run(c.command + " " + args + "--" + c.steps_key +
                                "=40 --run.resume=true --run.output=" + extended,
                            c.ranks);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_same_ensemble(longer, extended);
    const EnsembleReader file(extended);
    EXPECT_EQ(file.config_value(c.steps_key), "40");
    const std::string resumed = file.root_attr("resumed");
    EXPECT_NE(resumed.find("on " + std::to_string(c.ranks) + " ranks"), std::string::npos)
        << resumed;
    EXPECT_NE(resumed.find("--run.resume=true"), std::string::npos) << resumed;

    // complete at this count: nothing to do, the file untouched
    const auto before = fs::last_write_time(extended);
    const RunResult again = run(c.command + " " + args + "--" + c.steps_key +
                                "=40 --run.resume=true --run.output=" + extended);
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_NE(again.out.find("nothing to resume"), std::string::npos) << again.out;
    EXPECT_EQ(fs::last_write_time(extended), before);
  }
}

// (d), (e): refused with one line naming the key, exit 2, the file unchanged.
TEST(Resume, InconsistentInputsAreRefusedNamingTheKey) {
  const std::string out = temp("refused.h5");
  remove_output(out);
  const auto hmc = [&](int trajectories) {
    return "hmc --lattice.shape=4,4 --hmc.chains=2 --hmc.thermalization=2 "
           "--run.progress_seconds=0 --run.output=" +
           out + " --hmc.trajectories=" + std::to_string(trajectories);
  };
  ASSERT_EQ(run(hmc(6)).exit_code, 0);
  const auto before = fs::last_write_time(out);
  const auto expect_refused = [&](const std::string& args, const std::string& key) {
    SCOPED_TRACE(args);
    const RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(r.err.rfind("flowlat: error: " + key + ":", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(fs::last_write_time(out), before);
  };
  const std::string resume = hmc(10) + " --run.resume=true ";
  expect_refused(resume + "--run.seed=2", "run.seed");
  expect_refused(resume + "--lattice.shape=6,6", "lattice.shape");
  expect_refused(resume + "--theory.m2=-3", "theory.m2");
  expect_refused(resume + "--theory.lambda=7", "theory.lambda");
  expect_refused(resume + "--theory.name=u1", "theory.name");
  expect_refused(resume + "--hmc.save_every=2", "hmc.save_every");
  expect_refused(resume + "--hmc.steps=11", "hmc.steps");
  expect_refused(resume + "--run.overwrite=true", "run.resume");
  expect_refused(hmc(5) + " --run.resume=true", "hmc.trajectories");
  // (e) a file of another command, a model file, no file
  expect_refused(
      "metropolis --lattice.shape=4,4 --metropolis.chains=2 --run.resume=true "
      "--run.output=" +
          out,
      "run.output");
  expect_refused("hmc --run.resume=true --run.output=" + trained_model(), "run.output");
  const RunResult missing = run("hmc --run.resume=true --run.output=" + temp("missing.h5"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("run.output: '" + temp("missing.h5") + "' does not exist"),
            std::string::npos)
      << missing.err;
  expect_refused(
      "train --lattice.shape=4,4 --run.resume=true --flow.model=" + temp("never_trained.h5"),
      "run.resume");
  // I/O keys may differ
  const RunResult io = run(resume + "--run.flush_seconds=0 --run.flush_every=3");
  EXPECT_EQ(io.exit_code, 0) << io.out << io.err;
}

TEST(Resume, SampleWithAnotherModelIsRefused) {
  const std::string out = temp("sample_refused.h5"), other = temp("other_model.h5");
  remove_output(out), remove_output(other);
  ASSERT_EQ(run("sample " + sample_args(40) + " --run.output=" + out).exit_code, 0);
  // the same architecture, trained one step longer: another parameter hash
  ASSERT_EQ(run("train " + kFlow +
                "--train.batch=16 --train.steps=31 --run.progress_seconds=0 "
                "--flow.model=" +
                other)
                .exit_code,
            0);
  const RunResult r =
      run("sample " + sample_args(80, other) + " --run.resume=true --run.output=" + out);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.err.rfind("flowlat: error: flow.model:", 0), 0u) << r.err;
  const RunResult thinned = run("sample " + sample_args(80, trained_model(), 2) +
                                " --run.resume=true --run.output=" + out);
  EXPECT_EQ(thinned.exit_code, 2);
  EXPECT_EQ(thinned.err.rfind("flowlat: error: sample.save_every:", 0), 0u) << thinned.err;
}
