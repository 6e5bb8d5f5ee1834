// `flowlat analyze`: the Gamma-method table of one or two ensembles, the
// difference column, and a missing file named in a one-line error.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

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
