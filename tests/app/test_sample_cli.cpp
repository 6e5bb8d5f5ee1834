// `flowlat sample` end to end: a tiny trained model, the chain written on 1, 2
// and 3 ranks is identical element by element, the model is recorded in
// /model; a model trained for another lattice is refused naming the key,
// unless sample.transfer asks for it.
#include <gtest/gtest.h>

#include <filesystem>

#include "flowlat/io/ensemble_reader.hpp"
#include "run_flowlat.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

const std::string kFlow = "--flow.layers=2 --flow.hidden=4,4 --run.progress_seconds=0 ";
const std::string kShape = "--lattice.shape=4,4 ";

std::string trained_model() {
  static const std::string path = [] {
    const std::string p = testing::TempDir() + "sample_cli.model.h5";
    std::filesystem::remove(p);
    const auto r = run_flowlat("train " + kFlow + kShape + "--train.batch=16 --train.steps=40 "
                               "--train.lr=5e-3 --flow.model=" + p);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return p;
  }();
  return path;
}

std::string sample(int ranks) {
  const std::string out = testing::TempDir() + "sample_cli_np" + std::to_string(ranks) + ".h5";
  const auto r = run_flowlat("sample " + kFlow + kShape + "--flow.model=" + trained_model() +
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
    ASSERT_FALSE(one.corr_names().empty());
    for (const auto& name : one.corr_names())
      EXPECT_EQ(one.corr(name), other.corr(name)) << name << ", " << ranks << " ranks";
  }
}

TEST(SampleCli, ModelForAnotherLatticeIsRefused) {
  const auto r = run_flowlat("sample " + kFlow + "--lattice.shape=6,6 --flow.model=" +
                             trained_model() + " --run.output=" + testing::TempDir() +
                             "never_written.h5");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("lattice.shape"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(testing::TempDir() + "never_written.h5"));
  EXPECT_NE(r.err.find("sample.transfer"), std::string::npos) << r.err;

  // another dimension: refused even with transfer
  const auto d3 = run_flowlat("sample " + kFlow + "--lattice.shape=4,4,4 --sample.transfer=true "
                              "--flow.model=" + trained_model() + " --run.output=" +
                              testing::TempDir() + "never_written.h5");
  EXPECT_EQ(d3.exit_code, 2) << d3.out << d3.err;
  EXPECT_NE(d3.err.find("lattice.shape"), std::string::npos) << d3.err;
  EXPECT_FALSE(std::filesystem::exists(testing::TempDir() + "never_written.h5"));
}

// Transfer: the 4x4 model proposes on 8x8 (2 ranks); the output records the
// model, its training lattice and the transfer.
TEST(SampleCli, TransferToALargerLatticeWhenAsked) {
  const std::string out = testing::TempDir() + "sample_cli_transfer.h5";
  const auto r = run_flowlat("sample " + kFlow + "--lattice.shape=8,8 --sample.transfer=true "
                             "--flow.model=" + trained_model() +
                             " --sample.proposals=200 --sample.batch=32 --run.overwrite=true "
                             "--run.output=" + out, 2);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("trained on 4,4, transferred"), std::string::npos) << r.out;
  const EnsembleReader e(out);
  ASSERT_TRUE(e.complete());
  EXPECT_EQ(e.field_shape(), (std::vector<std::int64_t>{8, 8}));
  EXPECT_EQ(e.n_records(), 200);
  EXPECT_EQ(e.group_attr("model", "trained_shape"), "4,4");
  EXPECT_EQ(e.group_attr("model", "transferred"), "true");
  EXPECT_EQ(e.group_attr("model", "params_hash").size(), 16u);

  const EnsembleReader same(sample(1));
  EXPECT_EQ(same.group_attr("model", "transferred"), "false");
  EXPECT_EQ(same.group_attr("model", "flow.layers"), "2");
}
