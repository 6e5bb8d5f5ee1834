// `flowlat train` end to end: 1 and 2 ranks train the same model (both
// losses; forward KL on an HMC ensemble), training continues from a model file
// exactly where it stopped, and bad input is one line naming the key, exit code 2.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "flowlat/io/model_file.hpp"
#include "run_flowlat.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;
namespace fs = std::filesystem;

namespace {

// 2 layers, hidden 4,4, batch 8; log_every 2, so a checkpoint is written
// every 20 steps on the way.
const std::string kTiny =
    "train --flow.layers=2 --flow.hidden=4,4 --train.batch=8 --train.log_every=2 "
    "--train.lr=5e-3 --run.seed=3 --run.progress_seconds=0 ";

std::string model_path(const std::string& name) {
  const std::string path = testing::TempDir() + "train_cli_" + name + ".model.h5";
  fs::remove(path);
  return path;
}

// On a 4x4 lattice unless `extra` sets lattice.shape; one rank runs the
// executable directly (an MPI singleton), more run under mpiexec.
RunResult train(const std::string& path, long long steps, int ranks, const std::string& extra = "") {
  const std::string shape =
      extra.find("--lattice.shape") == std::string::npos ? "--lattice.shape=4,4 " : "";
  return run_flowlat(kTiny + shape + "--train.steps=" + std::to_string(steps) +
                         " --flow.model=" + path + " " + extra,
                     ranks > 1 ? ranks : 0);
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

// Exit 2 and the key named in the first line of stderr, which is the only
// line when flowlat runs alone (mpiexec adds its own report).
void expect_input_error(const RunResult& r, const std::string& key, bool alone = true) {
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.err.rfind("flowlat: error: ", 0), 0u) << r.err;
  const std::string first = r.err.substr(0, r.err.find('\n'));
  EXPECT_NE(first.find(key), std::string::npos) << r.err;
  if (alone) {
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
  }
  // printed once (rank 0), not once per rank
  EXPECT_EQ(r.err.find("flowlat: error"), r.err.rfind("flowlat: error")) << r.err;
}

}  // namespace

// In float64 the two agree to rounding (the gradient's partial sums are
// grouped by rank before the allreduce: measured <= 1e-15). In float32 (the
// default) a rank's share of the batch also regroups the float partial sums
// of the weight gradients: measured 5.5e-8 in the parameters, 5e-6 in the
// loss (~30), 5e-8 in ESS/N after 30 steps; allowed 1e-5 and 1e-5 relative.
// (Sampling is bit-identical on any rank count in both: test_mpi_ensemble.)
class TrainCliRanks : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainCliRanks, OneAndTwoRanksTrainTheSameModel) {
  const bool f32 = GetParam() == "float32";
  const double tolerance = f32 ? 1e-5 : 1e-10;
  const std::string precision = "--flow.precision=" + GetParam();
  const std::string one = model_path("np1_" + GetParam()), two = model_path("np2_" + GetParam());
  const RunResult r1 = train(one, 30, 1, precision), r2 = train(two, 30, 2, precision);
  ASSERT_EQ(r1.exit_code, 0) << r1.out << r1.err;
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  EXPECT_NE(r1.out.find("ESS/N"), std::string::npos) << r1.out;
  EXPECT_NE(r1.out.find("steps/s"), std::string::npos) << r1.out;
  EXPECT_FALSE(fs::exists(one + ".tmp"));

  const ModelFileContents a = read_model_file(one), b = read_model_file(two);
  EXPECT_LT(max_abs_diff(a.parameters, b.parameters), tolerance);
  EXPECT_EQ(a.adam_step, 30);
  EXPECT_EQ(b.adam_step, 30);
  EXPECT_EQ(a.trained_precision, GetParam());
  ASSERT_EQ(a.history.size(), 30u);
  ASSERT_EQ(b.history.size(), 30u);
  for (std::size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(a.history.step[i], std::int64_t(i + 1));
    EXPECT_NEAR(a.history.loss[i], b.history.loss[i], tolerance * std::abs(a.history.loss[i]));
    EXPECT_NEAR(a.history.ess[i], b.history.ess[i], tolerance);
  }
  // it trains: the loss of the last steps is below that of the first ones
  EXPECT_LT(a.history.loss[29] + a.history.loss[28], a.history.loss[0] + a.history.loss[1]);
  EXPECT_EQ(a.shape, (std::vector<int>{4, 4}));
  EXPECT_EQ(a.architecture.n_layers, 2);
  EXPECT_NE(a.input.find("steps = 30"), std::string::npos);
  // inspect reads model files too
  const RunResult shown = run_flowlat("inspect " + one);
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("(flowlat model)"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("30 Adam steps"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find(a.params_hash), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("trained in " + GetParam()), std::string::npos) << shown.out;
}

INSTANTIATE_TEST_SUITE_P(Precisions, TrainCliRanks, ::testing::Values("float32", "float64"));

// The default cosine schedule spans a run's train.steps, so a run of 15 steps
// followed by one continued to 30 differs from 30 uninterrupted steps (its
// first half decays to lr_min); the continuation itself is tested with the
// constant schedule. (A run stopped early with the total already set, e.g. by
// a signal, continues on the same schedule.) In float64, continued on 2
// ranks (equal to rounding); in float32 (the default) on the same rank count,
// bit for bit.
TEST(TrainCli, ContinuesFromAModelFileWhereItStopped) {
  const std::string whole = model_path("whole"), half = model_path("half"),
                    continued = model_path("continued");
  const std::string constant = "--train.lr_schedule=constant --flow.precision=float64 ";
  ASSERT_EQ(train(whole, 30, 1, constant).exit_code, 0);
  ASSERT_EQ(train(half, 15, 1, constant).exit_code, 0);
  const RunResult r = train(continued, 30, 2, constant + "--train.init_model=" + half);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("15 -> 30"), std::string::npos) << r.out;

  const ModelFileContents w = read_model_file(whole), c = read_model_file(continued);
  EXPECT_EQ(c.adam_step, 30);
  ASSERT_EQ(c.history.size(), 30u);  // the history of the first 15 steps is kept
  for (std::size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(c.history.step[i], std::int64_t(i + 1));
    EXPECT_NEAR(c.history.loss[i], w.history.loss[i], 1e-10 * std::abs(w.history.loss[i]))
        << "step " << i + 1;
  }
  // the same steps as one uninterrupted run (up to the 2-rank sum order)
  EXPECT_LT(max_abs_diff(c.parameters, w.parameters), 1e-10);
  {
    const std::string whole32 = model_path("whole32"), half32 = model_path("half32"),
                      continued32 = model_path("continued32");
    const std::string f32 = "--train.lr_schedule=constant ";
    ASSERT_EQ(train(whole32, 30, 1, f32).exit_code, 0);
    ASSERT_EQ(train(half32, 15, 1, f32).exit_code, 0);
    ASSERT_EQ(train(continued32, 30, 1, f32 + "--train.init_model=" + half32).exit_code, 0);
    const ModelFileContents w32 = read_model_file(whole32), c32 = read_model_file(continued32);
    EXPECT_EQ(c32.trained_precision, "float32");
    EXPECT_EQ(c32.parameters, w32.parameters);
    EXPECT_NE(c32.parameters, w.parameters);  // float32 networks really ran
  }

  // the model must fit the run, and train.steps is the total
  expect_input_error(train(model_path("bad_shape"), 30, 1,
                           "--train.init_model=" + half + " --lattice.shape=6,6"),
                     "lattice.shape");
  expect_input_error(train(model_path("bad_steps"), 10, 1, "--train.init_model=" + half),
                     "train.steps");
  expect_input_error(train(model_path("bad_init"), 30, 1, "--train.init_model=" + half + ".nope"),
                     "train.init_model");
}

// train.temper_steps: the schedule follows the global step, so a tempered training
// continued from its checkpoint is the uninterrupted one; the log marks the
// tempered steps; at an exact point (U(1) in 2D) the summary gives the
// reverse KL = loss + ln Z.
TEST(TrainCli, TemperedTrainingContinuesOnItsScheduleAndReportsTheKL) {
  const std::string whole = model_path("tempered_whole"), half = model_path("tempered_half"),
                    continued = model_path("tempered_continued");
  const std::string u1 =
      "--theory.name=u1 --theory.beta=3 --flow.precision=float64 "
      "--train.lr_schedule=constant --train.temper_steps=10 --train.temper_from=0.25 ";
  const RunResult w = train(whole, 20, 1, u1);
  ASSERT_EQ(w.exit_code, 0) << w.out << w.err;
  const RunResult h = train(half, 6, 1, u1);  // stops while tempered: warned
  ASSERT_EQ(h.exit_code, 0) << h.out << h.err;
  EXPECT_NE(h.out.find("WARNING: train.temper_steps = 10 >= train.steps"), std::string::npos)
      << h.out;
  EXPECT_EQ(h.out.find("reverse KL"), std::string::npos) << h.out;  // not of the target
  const RunResult c = train(continued, 20, 1, u1 + "--train.init_model=" + half);
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_EQ(read_model_file(continued).parameters, read_model_file(whole).parameters);

  // steps 1..10 trained on s S (s = 0.25 + 0.75 (step - 1) / 10), the rest on S
  EXPECT_NE(w.out.find("(tempered: 0.925 S)"), std::string::npos) << w.out;  // step 10
  const std::size_t step12 = w.out.find("  step      12");
  ASSERT_NE(step12, std::string::npos) << w.out;
  EXPECT_EQ(w.out.find("(tempered:", step12), std::string::npos) << w.out;
  EXPECT_EQ(w.out.find("WARNING"), std::string::npos) << w.out;

  double loss = 0, kl = 0, log_z = 0;
  const std::size_t last = w.out.find("(mean): loss ");
  const std::size_t kl_line = w.out.find("reverse KL of the flow: ");
  ASSERT_NE(last, std::string::npos) << w.out;
  ASSERT_NE(kl_line, std::string::npos) << w.out;
  ASSERT_EQ(std::sscanf(w.out.c_str() + last, "(mean): loss %lf", &loss), 1);
  ASSERT_EQ(std::sscanf(w.out.c_str() + kl_line,
                        "reverse KL of the flow: %lf (= loss + ln Z, exact ln Z %lf", &kl, &log_z),
            2);
  EXPECT_NEAR(kl, loss + log_z, 1e-3);
  EXPECT_GT(kl, 0);  // KL >= 0; a 2-layer flow after 20 steps is far from the target
  // phi4 has no exact ln Z: no such line
  const RunResult phi4 = train(model_path("tempered_phi4"), 4, 1, "");
  ASSERT_EQ(phi4.exit_code, 0);
  EXPECT_EQ(phi4.out.find("reverse KL"), std::string::npos) << phi4.out;
}

TEST(TrainCli, BadInputIsOneLineNamingTheKey) {
  const std::string path = model_path("bad");
  expect_input_error(train(path, 5, 1, "--flow.kernel=4"), "flow.kernel");
  expect_input_error(train(path, 5, 2, "--flow.kernel=4"), "flow.kernel", false);
  expect_input_error(train(path, 5, 1, "--flow.layers=0"), "flow.layers");
  expect_input_error(train(path, 5, 1, "--train.loss=forward_kl"), "train.data");
  expect_input_error(train(path, 5, 1, "--train.data=x.h5"), "train.data");
  EXPECT_FALSE(fs::exists(path));

  // an existing model file is kept unless run.overwrite
  ASSERT_EQ(train(path, 2, 1).exit_code, 0);
  const std::string hash = read_model_file(path).params_hash;
  const RunResult again = train(path, 4, 2);
  expect_input_error(again, "flow.model", false);
  EXPECT_NE(again.err.find("run.overwrite"), std::string::npos) << again.err;
  EXPECT_EQ(read_model_file(path).params_hash, hash);
  EXPECT_EQ(train(path, 4, 2, "--run.overwrite=true").exit_code, 0);
  EXPECT_EQ(read_model_file(path).adam_step, 4);
}

// Forward KL on an ensemble written by `flowlat hmc`: the same model on 1 and
// 2 ranks, the loss -<log q> falls, and an ensemble of another point or
// lattice is refused.
TEST(TrainCli, ForwardKlOnAnHmcEnsemble) {
  const std::string ensemble = testing::TempDir() + "train_cli_hmc.h5";
  const std::string point = "--theory.m2=-1 --theory.lambda=1 ";
  const RunResult hmc = run_flowlat("hmc --lattice.shape=4,4 " + point +
                                    "--hmc.trajectories=300 --hmc.chains=2 --run.overwrite=true "
                                    "--run.progress_seconds=0 --run.output=" + ensemble);
  ASSERT_EQ(hmc.exit_code, 0) << hmc.out << hmc.err;

  // float64: 1 and 2 ranks agree to rounding (float32: TrainCliRanks)
  const std::string fkl =
      point + "--train.loss=forward_kl --flow.precision=float64 --train.data=" + ensemble;
  const std::string one = model_path("fkl_np1"), two = model_path("fkl_np2");
  const RunResult r1 = train(one, 60, 1, fkl), r2 = train(two, 60, 2, fkl);
  ASSERT_EQ(r1.exit_code, 0) << r1.out << r1.err;
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  EXPECT_NE(r1.out.find("forward_kl on 600 configurations"), std::string::npos) << r1.out;
  const ModelFileContents a = read_model_file(one), b = read_model_file(two);
  EXPECT_LT(max_abs_diff(a.parameters, b.parameters), 1e-10);
  ASSERT_EQ(a.history.size(), 60u);
  // the flow batch of the ESS is drawn on logged steps only (log_every = 2)
  for (std::size_t i = 0; i < 60; ++i)
    EXPECT_EQ(std::isnan(a.history.ess[i]), (i + 1) % 2 != 0) << "step " << i + 1;
  double first = 0, last = 0;
  for (std::size_t i = 0; i < 10; ++i) first += a.history.loss[i], last += a.history.loss[50 + i];
  std::printf("  forward KL loss: first 10 steps %.3f, last 10 steps %.3f\n", first / 10, last / 10);
  EXPECT_LT(last, first);

  expect_input_error(train(model_path("fkl_m2"), 5, 1,
                           "--train.loss=forward_kl --train.data=" + ensemble),
                     "train.data");
  expect_input_error(train(model_path("fkl_shape"), 5, 1, fkl + " --lattice.shape=6,6"),
                     "train.data");
  expect_input_error(train(model_path("fkl_missing"), 5, 1,
                           point + "--train.loss=forward_kl --train.data=" + ensemble + ".nope"),
                     "train.data");
}

// A diverging training (lr = 1 without the final tanh or clipping) stops
// with one line naming the step, exit code 1, on every rank count; what is
// on disk is the last checkpoint of the run (a complete, finite model) or
// nothing.
TEST(TrainCli, DivergingTrainingStopsNamingTheStep) {
  for (int ranks : {1, 2}) {
    const std::string path = model_path("diverging_" + std::to_string(ranks));
    const RunResult r = run_flowlat(
        "train --lattice.shape=8,8 --flow.layers=4 --flow.final_tanh=false --train.lr=1 "
        "--train.clip_norm=0 --train.lr_schedule=constant --train.steps=400 "
        "--train.checkpoint_every=2 --run.progress_seconds=0 --flow.model=" + path,
        ranks > 1 ? ranks : 0);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    // once, not per rank (mpiexec adds its own banner about the exit code)
    std::size_t lines = 0;
    for (std::size_t at = r.err.find("flowlat:"); at != std::string::npos;
         at = r.err.find("flowlat:", at + 1))
      ++lines;
    EXPECT_EQ(lines, 1u) << r.err;
    EXPECT_NE(r.err.find("at step"), std::string::npos) << r.err;
    if (r.err.find("holds the checkpoint of step") != std::string::npos) {
      const ModelFileContents m = read_model_file(path);  // refused if not finite
      EXPECT_NE(r.err.find("step " + std::to_string(m.adam_step)), std::string::npos) << r.err;
    } else {
      EXPECT_NE(r.err.find("no model written"), std::string::npos) << r.err;
      EXPECT_FALSE(fs::exists(path));
    }
  }
}
