// MPI: `flowlat hmc` and `flowlat metropolis` on 1, 2 and 3 ranks write one
// shared file holding every chain, identical chain by chain for the same seed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "flowlat/io/ensemble_reader.hpp"
#include "run_flowlat.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

std::string run_at(const std::string& command, int ranks, const std::string& extra) {
  const std::string out =
      testing::TempDir() + "mpi_" + command + "_np" + std::to_string(ranks) + ".h5";
  // 6x4 unless the test names its lattice
  const std::string shape =
      extra.find("--lattice.shape") == std::string::npos ? " --lattice.shape=6,4" : "";
  const auto r = run_flowlat(command + shape +
                                 " --run.overwrite=true --run.flush_every=3 --run.output=" + out +
                                 " " + extra,
                             ranks);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  return out;
}

void expect_same_ensemble(const std::string& a, const std::string& b, std::int64_t chains) {
  const EnsembleReader ra(a), rb(b);
  ASSERT_TRUE(ra.complete());
  ASSERT_TRUE(rb.complete());
  ASSERT_EQ(ra.n_chain(), chains);
  ASSERT_EQ(rb.n_chain(), chains);
  ASSERT_EQ(ra.n_saved(), rb.n_saved());
  ASSERT_EQ(ra.n_records(), rb.n_records());
  ASSERT_GT(ra.n_saved(), 0);
  EXPECT_EQ(ra.configs(), rb.configs()) << a << " vs " << b;
  for (const auto& name : ra.obs_names()) EXPECT_EQ(ra.obs(name), rb.obs(name)) << name;
  for (const auto& name : ra.corr_names()) EXPECT_EQ(ra.corr(name), rb.corr(name)) << name;
  for (const auto& name : ra.record_names()) EXPECT_EQ(ra.record(name), rb.record(name)) << name;
  // the chains really differ from each other (each has its own stream)
  const auto configs = ra.configs();
  const std::size_t per_chain = configs.size() / std::size_t(chains);
  EXPECT_NE(configs[0], configs[per_chain]);
}

}  // namespace

TEST(MpiEnsemble, HmcSameChainsOnOneTwoThreeRanks) {
  const std::string extra = "--hmc.chains=5 --hmc.thermalization=5 --hmc.trajectories=20 --hmc.save_every=2";
  const auto one = run_at("hmc", 1, extra);
  const auto two = run_at("hmc", 2, extra);
  const auto three = run_at("hmc", 3, extra);
  expect_same_ensemble(one, two, 5);
  expect_same_ensemble(one, three, 5);
  const EnsembleReader r(one);
  EXPECT_EQ(r.n_saved(), 10);
  EXPECT_EQ(r.n_records(), 20);
  EXPECT_EQ(r.field_shape(), (std::vector<std::int64_t>{6, 4}));
  EXPECT_EQ(r.root_attr("n_ranks"), "1");
  EXPECT_EQ(EnsembleReader(three).root_attr("n_ranks"), "3");
}

TEST(MpiEnsemble, MetropolisSameChainsWithRanksHoldingNoChain) {
  // 2 chains on 3 ranks: one rank owns none and still takes part in the I/O
  const std::string extra = "--metropolis.chains=2 --metropolis.thermalization=3 --metropolis.sweeps=9";
  const auto one = run_at("metropolis", 1, extra);
  const auto three = run_at("metropolis", 3, extra);
  expect_same_ensemble(one, three, 2);
}

TEST(MpiEnsemble, InspectPrintsTheEnsemble) {
  const auto file = run_at("hmc", 2, "--hmc.chains=2 --hmc.thermalization=2 --hmc.trajectories=6");
  const auto r = run_flowlat("inspect " + file);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* what : {"phi4", "6x4", "m2", "lambda", "absM", "accept", "complete"})
    EXPECT_NE(r.out.find(what), std::string::npos) << what << " missing in:\n" << r.out;
}

// U(1): the same chains on any rank count, for HMC, the heat bath, and flow-MH
// with a gauge-equivariant model.
TEST(MpiEnsemble, U1ChainsOnOneTwoThreeRanks) {
  const std::string u1 = "--theory.name=u1 --lattice.shape=8,4 ";
  const std::string hmc = u1 + "--hmc.chains=3 --hmc.thermalization=5 --hmc.trajectories=12";
  expect_same_ensemble(run_at("hmc", 1, hmc), run_at("hmc", 3, hmc), 3);
  const std::string hb = u1 + "--metropolis.chains=2 --metropolis.thermalization=3 --metropolis.sweeps=9";
  expect_same_ensemble(run_at("metropolis", 1, hb), run_at("metropolis", 2, hb), 2);
  const EnsembleReader r(run_at("metropolis", 1, hb));
  EXPECT_EQ(r.field_shape(), (std::vector<std::int64_t>{2, 8, 4}));
  EXPECT_EQ(r.config_value("theory.beta"), "2");

  const std::string model = testing::TempDir() + "mpi_u1.model.h5";
  const auto t = run_flowlat("train " + u1 + "--flow.layers=4 --flow.hidden=4 --train.steps=10 "
                             "--train.batch=8 --run.overwrite=true --flow.model=" + model, 1);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const std::string sample = u1 + "--flow.layers=4 --flow.hidden=4 --flow.model=" + model +
                             " --sample.proposals=60 --sample.batch=16 --sample.thermalization=4";
  expect_same_ensemble(run_at("sample", 1, sample), run_at("sample", 2, sample), 1);
}
