// FLOWLAT_SIMD end to end: `flowlat version` names the path in use, bad values
// are refused with one line naming the variable (exit 2), and on every path
// this CPU runs a fixed-seed training + sampling pipeline records its path in
// both files, repeats itself bit for bit, and agrees with the baseline path to
// rounding. Where qemu-x86_64 is installed, the same binary also runs on an
// emulated SSE2-only CPU (Nehalem: no AVX), choosing SSE2 by itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "flowlat/core/simd_dispatch.hpp"
#include "flowlat/io/ensemble_reader.hpp"
#include "flowlat/io/h5_attributes.hpp"
#include "flowlat/io/model_file.hpp"
#include "run_flowlat.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

const std::string kFlow =
    "--flow.layers=2 --flow.hidden=8,8 --lattice.shape=6,6 --run.progress_seconds=0 ";

// Runs flowlat with FLOWLAT_SIMD = `path` ("" = unset).
RunResult run_with(const std::string& path, const std::string& args) {
  if (path.empty())
    unsetenv(kSimdVariable);
  else
    setenv(kSimdVariable, path.c_str(), 1);
  RunResult r = run_flowlat(args);
  unsetenv(kSimdVariable);
  return r;
}

std::string root_attr(const std::string& file, const std::string& name) {
  const h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  return h5::read_attr_text({f.get(), "/", file}, name);
}

struct Pipeline {
  std::vector<double> parameters, configs, accept;
};

// Trains 20 steps (seed 3), then samples 200 proposals (seed 5), on `path`,
// with the networks in `precision` (flow.precision).
Pipeline pipeline(const std::string& path, const std::string& tag, const std::string& precision) {
  const std::string model = testing::TempDir() + "simd_cli_" + tag + ".model.h5";
  const std::string ensemble = testing::TempDir() + "simd_cli_" + tag + ".h5";
  const std::string flow = kFlow + "--flow.precision=" + precision + " ";
  const RunResult t = run_with(path, "train " + flow +
                                         "--train.batch=16 --train.steps=20 --train.lr=5e-3 "
                                         "--run.seed=3 --run.overwrite=true --flow.model=" + model);
  EXPECT_EQ(t.exit_code, 0) << t.out << t.err;
  const RunResult s = run_with(path, "sample " + flow + "--flow.model=" + model +
                                         " --sample.proposals=200 --sample.batch=32"
                                         " --run.seed=5 --run.overwrite=true --run.output=" +
                                         ensemble);
  EXPECT_EQ(s.exit_code, 0) << s.out << s.err;
  EXPECT_EQ(root_attr(model, "simd"), path);
  const EnsembleReader e(ensemble);
  EXPECT_EQ(e.root_attr("simd"), path);
  return {read_model_file(model).parameters, e.configs(), e.record("accept")};
}

double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return diff / scale;
}

}  // namespace

TEST(SimdCli, VersionNamesThePathInUse) {
  const RunResult automatic = run_with("", "version");
  ASSERT_EQ(automatic.exit_code, 0) << automatic.err;
  EXPECT_NE(automatic.out.find("simd: " + std::string(simd_path_name(simd_paths_runnable().back()))),
            std::string::npos) << automatic.out;
  for (const SimdPath p : simd_paths_runnable()) {
    const RunResult r = run_with(simd_path_name(p), "version");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("simd: " + std::string(simd_path_name(p)) + " ("), std::string::npos)
        << r.out;
  }
}

TEST(SimdCli, BadValuesAreRefusedNamingTheVariable) {
  std::vector<std::string> refused = {"avx3", "AVX2", "native"};
  for (const SimdPath p : simd_paths_built())
    if (!simd_path_runnable(p)) refused.push_back(simd_path_name(p));  // this CPU lacks it
  for (const std::string& value : refused) {
    const RunResult r = run_with(value, "train " + kFlow + "--train.steps=1 --flow.model=" +
                                            testing::TempDir() + "simd_cli_never.model.h5");
    EXPECT_EQ(r.exit_code, 2) << value << ": " << r.out << r.err;
    EXPECT_EQ(r.err.rfind("flowlat: error: FLOWLAT_SIMD=" + value + ": ", 0), 0u) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(testing::TempDir() + "simd_cli_never.model.h5"));
}

// FMA and wider packs change rounding (tests/flow/test_simd_paths.cpp). In
// float64 the parameters after 20 Adam steps and the sampled configurations
// agree to 2e-15 and 3e-16 relative (measured; 1e-10 allowed); in float32
// (the default) to 2.6e-7 and 7.8e-8 (measured; 1e-5 allowed: float32
// rounding, grown by 20 steps; a wrong kernel differs at O(1)). The accept
// decisions, which would flip only for a uniform draw within ~1e-6 of the
// acceptance probability (float32) or ~1e-13 (float64), agree.
class SimdCliPipeline : public ::testing::TestWithParam<std::string> {};

TEST_P(SimdCliPipeline, OnEveryPathAgreesAndRepeats) {
  const std::string precision = GetParam();
  const double tolerance = precision == "float32" ? 1e-5 : 1e-10;
  const std::vector<SimdPath> paths = simd_paths_runnable();
  std::vector<Pipeline> runs;
  for (const SimdPath p : paths) {
    const std::string name = simd_path_name(p);
    runs.push_back(pipeline(name, name + "_" + precision, precision));
    const Pipeline again = pipeline(name, name + "_" + precision + "_again", precision);
    EXPECT_EQ(again.parameters, runs.back().parameters) << name;  // bit for bit
    EXPECT_EQ(again.configs, runs.back().configs) << name;
    EXPECT_EQ(again.accept, runs.back().accept) << name;
  }
  for (std::size_t i = 1; i < runs.size(); ++i) {
    const std::string name = simd_path_name(paths[i]);
    EXPECT_LT(relative_difference(runs[i].parameters, runs[0].parameters), tolerance) << name;
    EXPECT_LT(relative_difference(runs[i].configs, runs[0].configs), tolerance) << name;
    EXPECT_EQ(runs[i].accept, runs[0].accept) << name;
    EXPECT_NE(runs[i].parameters, runs[0].parameters) << name << " ran the baseline's code";
  }
}

INSTANTIATE_TEST_SUITE_P(Precisions, SimdCliPipeline, ::testing::Values("float32", "float64"));

// The portable binary on a CPU without AVX: auto chooses the baseline, AVX2 is
// refused, and a training run completes (any AVX instruction would be SIGILL).
TEST(SimdCli, RunsOnAnSse2OnlyCpu) {
  if (std::string(FLOWLAT_QEMU).empty()) GTEST_SKIP() << "no qemu-x86_64";
  if (simd_path_name(SimdPath::Baseline) != std::string("sse2"))
    GTEST_SKIP() << "the baseline is " << simd_path_name(SimdPath::Baseline);
  const std::string base = testing::TempDir() + "simd_cli_qemu";
  const std::string model = base + ".model.h5";
  auto run = [&](const std::string& env, const std::string& args) {
    const std::string cmd = env + " " + FLOWLAT_QEMU + " -cpu Nehalem " + FLOWLAT_BINARY + " " +
                            args + " >" + base + ".out 2>" + base + ".err";
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  ASSERT_EQ(run("", "version"), 0) << slurp(base + ".err");
  EXPECT_NE(slurp(base + ".out").find("simd: sse2 ("), std::string::npos) << slurp(base + ".out");
  EXPECT_NE(slurp(base + ".out").find("this CPU runs: sse2;"), std::string::npos);
  EXPECT_EQ(run("FLOWLAT_SIMD=avx2", "version"), 2);
  EXPECT_NE(slurp(base + ".err").find("does not support avx2"), std::string::npos)
      << slurp(base + ".err");
  ASSERT_EQ(run("", "train " + kFlow + "--train.batch=16 --train.steps=5 --run.seed=3 "
                    "--run.overwrite=true --flow.model=" + model), 0)
      << slurp(base + ".out") << slurp(base + ".err");
  EXPECT_EQ(root_attr(model, "simd"), "sse2");
}
