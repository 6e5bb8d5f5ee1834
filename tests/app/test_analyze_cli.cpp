// `flowlat analyze`: the Gamma-method table of one or two ensembles, the
// difference column, a missing file named in a one-line error, and the same
// numbers as JSON (--json) that Python's json module reads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "flowlat/analysis/gamma_method.hpp"
#include "flowlat/io/ensemble_reader.hpp"
#include "run_flowlat.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

std::string hmc_ensemble(int seed) {
  const std::string out = testing::TempDir() + "analyze_cli_" + std::to_string(seed) + ".h5";
  const auto r = run_flowlat("hmc --lattice.shape=4,4 --hmc.trajectories=200 --hmc.chains=2 "
                             "--run.progress_seconds=0 --run.overwrite=true --run.seed=" +
                             std::to_string(seed) + " --run.output=" + out);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  return out;
}

}  // namespace

TEST(AnalyzeCli, TableOfOneAndTwoEnsembles) {
  const std::string a = hmc_ensemble(1), b = hmc_ensemble(2);
  const RunResult one = run_flowlat("analyze " + a);
  ASSERT_EQ(one.exit_code, 0) << one.out << one.err;
  EXPECT_NE(one.out.find("absM_per_site"), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("2 x 200 saved"), std::string::npos) << one.out;
  EXPECT_EQ(one.out.find("sigma"), std::string::npos) << one.out;

  // the printed value(error) of |M| is the Gamma-method result on the file's data
  const EnsembleReader reader(a);
  const GammaResult r = gamma_method_chains(reader.obs("absM"), 2);
  const auto row = one.out.find("\nabsM ");
  ASSERT_NE(row, std::string::npos) << one.out;
  double printed = 0;
  ASSERT_EQ(std::sscanf(one.out.c_str() + row + 5, "%lf", &printed), 1);
  EXPECT_NEAR(printed, r.mean, 2 * r.error) << one.out;  // two significant digits of the error
  EXPECT_GT(r.error, 0);

  const RunResult two = run_flowlat("analyze " + a + " " + b);
  ASSERT_EQ(two.exit_code, 0) << two.out << two.err;
  EXPECT_NE(two.out.find("[1]-[2]"), std::string::npos) << two.out;
  EXPECT_NE(two.out.find("sigma"), std::string::npos) << two.out;
}

TEST(AnalyzeCli, MissingFileIsOneLineNamingIt) {
  const RunResult r = run_flowlat("analyze " + testing::TempDir() + "no_such_ensemble.h5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no_such_ensemble.h5"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  EXPECT_EQ(run_flowlat("analyze").exit_code, 2);
}

namespace {

// The value after "name": in the JSON text, from `from` on (the writer puts
// one member per line, so the first match after an object's key is its own).
double json_number(const std::string& text, const std::string& name, std::size_t from) {
  const auto at = text.find("\"" + name + "\": ", from);
  EXPECT_NE(at, std::string::npos) << name << " in " << text;
  if (at == std::string::npos) return std::nan("");
  return std::strtod(text.c_str() + at + name.size() + 4, nullptr);
}

}  // namespace

TEST(AnalyzeCli, JsonHasTheNumbersOfTheTableAtFullPrecision) {
  const std::string a = hmc_ensemble(3), b = hmc_ensemble(4);
  // --json before the file: a flag, not an override taking the file as its value
  const RunResult one = run_flowlat("analyze --json " + a);
  ASSERT_EQ(one.exit_code, 0) << one.out << one.err;

  // valid JSON (Python's parser) with the fields scripts use
  const std::string json_path = testing::TempDir() + "analyze_cli.json";
  std::ofstream(json_path) << one.out;
  const std::string check =
      "/usr/bin/python3 -c 'import json,sys; d = json.load(sys.stdin); f = d[\"files\"][0]; "
      "o = f[\"observables\"]; "
      "assert f[\"n_chain\"] == 2 and f[\"n_saved\"] == 200 and f[\"complete\"] is True; "
      "assert f[\"sampler\"] == \"hmc\" and f[\"couplings\"][\"lambda\"] == 8, f; "
      "assert set(o) >= {\"M\", \"absM\", \"absM_per_site\", \"chi2\", \"acceptance\"}, o; "
      "assert all(set(v) >= {\"mean\", \"error\", \"tau_int\", \"tau_int_error\", "
      "\"binned_error\", \"flags\"} for v in o.values()); "
      "assert isinstance(f[\"warnings\"], list) and \"difference_in_sigma\" not in d' < " +
      json_path;
  if (std::system("test -x /usr/bin/python3") == 0) {
    EXPECT_EQ(std::system(check.c_str()), 0) << one.out;
  }

  // every number is the Gamma method's on the file's data, to the last bit
  const EnsembleReader reader(a);
  const GammaResult r = gamma_method_chains(reader.obs("absM"), 2);
  const auto absM = one.out.find("\"absM\": {");
  ASSERT_NE(absM, std::string::npos) << one.out;
  EXPECT_EQ(json_number(one.out, "mean", absM), r.mean);
  EXPECT_EQ(json_number(one.out, "error", absM), r.error);
  EXPECT_EQ(json_number(one.out, "tau_int", absM), r.tau_int);
  EXPECT_EQ(json_number(one.out, "tau_int_error", absM), r.tau_int_error);
  EXPECT_EQ(one.out.find("nan"), std::string::npos) << one.out;
  EXPECT_EQ(one.out.find("inf"), std::string::npos) << one.out;

  // two files: both, and the difference column
  const RunResult two = run_flowlat("analyze " + a + " --json " + b);
  ASSERT_EQ(two.exit_code, 0) << two.out << two.err;
  EXPECT_NE(two.out.find("\"difference_in_sigma\": {"), std::string::npos) << two.out;
  EXPECT_NE(two.out.find(b), std::string::npos) << two.out;
  EXPECT_EQ(run_flowlat("analyze --json").exit_code, 2);
}
