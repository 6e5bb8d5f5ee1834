// `flowlat sample` end to end: a tiny trained model, the chain written on 1, 2
// and 3 ranks is identical element by element; a model trained for another
// lattice is refused naming the key.
#include <gtest/gtest.h>

#include <filesystem>

#include "flowlat/io/ensemble_reader.hpp"
#include "run_flowlat.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

const std::string kFlow =
    "--lattice.shape=4,4 --flow.layers=2 --flow.hidden=4,4 --run.progress_seconds=0 ";

std::string trained_model() {
  static const std::string path = [] {
    const std::string p = testing::TempDir() + "sample_cli.model.h5";
    std::filesystem::remove(p);
    const auto r = run_flowlat("train " + kFlow + "--train.batch=16 --train.steps=40 "
                               "--train.lr=5e-3 --flow.model=" + p);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return p;
  }();
  return path;
}

std::string sample(int ranks) {
  const std::string out = testing::TempDir() + "sample_cli_np" + std::to_string(ranks) + ".h5";
  const auto r = run_flowlat("sample " + kFlow + "--flow.model=" + trained_model() +
                                 " --sample.proposals=300 --sample.thermalization=10"
                                 " --sample.batch=32 --sample.save_every=3 --run.overwrite=true"
                                 " --run.flush_every=7 --run.output=" + out,
                             ranks > 1 ? ranks : 0);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("acceptance"), std::string::npos) << r.out;
  return out;
}

}  // namespace

TEST(SampleCli, SameChainOnOneTwoThreeRanks) {
  const EnsembleReader one(sample(1));
  ASSERT_TRUE(one.complete());
  EXPECT_EQ(one.n_chain(), 1);
  EXPECT_EQ(one.n_records(), 300);
  EXPECT_EQ(one.n_saved(), 100);
  const auto accept = one.record("accept");
  double acc = 0;
  for (double a : accept) acc += a;
  EXPECT_GT(acc, 0);
  EXPECT_LT(acc, 300);
  for (int ranks : {2, 3}) {
    const EnsembleReader other(sample(ranks));
    ASSERT_TRUE(other.complete());
    EXPECT_EQ(one.configs(), other.configs()) << ranks << " ranks";
    for (const auto& name : one.record_names())
      EXPECT_EQ(one.record(name), other.record(name)) << name << ", " << ranks << " ranks";
    for (const auto& name : one.obs_names())
      EXPECT_EQ(one.obs(name), other.obs(name)) << name << ", " << ranks << " ranks";
  }
}

TEST(SampleCli, ModelForAnotherLatticeIsRefused) {
  const auto r = run_flowlat("sample " + kFlow + "--lattice.shape=6,6 --flow.model=" +
                             trained_model() + " --run.output=" + testing::TempDir() +
                             "never_written.h5");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("lattice.shape"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(testing::TempDir() + "never_written.h5"));
}
