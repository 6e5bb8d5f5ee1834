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

// At a point where the theory knows them, analyze prints the exact values and
// each file's distance from them (free phi4: from the propagator; U(1): the
// torus sums), and a flow-MH file's NIS ln Z beside the exact one.
TEST(AnalyzeCli, ExactValuesAndFreeEnergy) {
  const std::string free = testing::TempDir() + "analyze_free.h5";
  const auto h = run_flowlat("hmc --lattice.shape=4,4 --theory.m2=1 --theory.lambda=0 "
                             "--hmc.trajectories=300 --hmc.chains=2 --run.overwrite=true "
                             "--run.output=" + free);
  ASSERT_EQ(h.exit_code, 0) << h.err;
  const auto table = run_flowlat("analyze " + free);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("exact"), std::string::npos) << table.out;
  // chi_2 = 1/(2 m^2) = 0.5 exactly, in any volume
  const auto chi2_line = table.out.substr(table.out.find("\nchi2"));
  EXPECT_NE(chi2_line.substr(0, chi2_line.find('\n', 1)).find(" 0.5 "), std::string::npos)
      << table.out;
  // a U(1) flow-MH run: NIS ln Z next to the exact one
  const std::string model = std::string(FLOWLAT_SOURCE_DIR) + "/tests/data/u1_8x8_b2.model.h5";
  const std::string u1 = testing::TempDir() + "analyze_u1.h5";
  const auto s = run_flowlat("sample --theory.name=u1 --flow.model=" + model +
                             " --sample.proposals=2000 --run.overwrite=true --run.output=" + u1);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const auto u = run_flowlat("analyze " + u1);
  ASSERT_EQ(u.exit_code, 0) << u.err;
  EXPECT_NE(u.out.find("ln Z (NIS, 2000 proposals)"), std::string::npos) << u.out;
  EXPECT_NE(u.out.find("exact 287.983851"), std::string::npos) << u.out;  // ln Z, 8x8, beta 2
  const auto plaquette = u.out.substr(u.out.find("\nplaquette"));
  EXPECT_NE(plaquette.substr(0, plaquette.find('\n', 1)).find("0.697774658"), std::string::npos);
}
