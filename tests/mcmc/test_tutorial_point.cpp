// Validation at the tutorial point L = 8, m^2 = -4, lambda = 8 against one
// shared HMC reference (the default HMC settings, computed once): every
// sampler must agree on |M|/V, chi_2, E and <phi^2> at once (chi^2 with the
// full covariance, p > 0.001) with each combined error below 1 %.
//  - local Metropolis (an independent classical sampler);
//  - flow-MH with the committed Z2 model (tests/data/README.md says how it
//    was trained) and hybrid chains with the same model;
// A separate 4x4 case checks that exactness does not depend on the model: a
// briefly trained, mode-seeking reverse-KL flow (an under-trained model at
// 8x8 has tau_int ~ 40 and would need ~10^6 proposals for these floors).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "agreement.hpp"
#include "chain_samples.hpp"
#include "flow/flow_test_support.hpp"
#include "flow_mh_samples.hpp"
#include "flowlat/core/config.hpp"
#include "flowlat/flow/reverse_kl_trainer.hpp"
#include "flowlat/io/model_file.hpp"
#include "flowlat/mcmc/hmc_settings.hpp"
#include "flowlat/mcmc/hybrid_update.hpp"
#include "flowlat/theory/phi4/local_metropolis.hpp"
#include "flowlat/theory/phi4/phi4.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

const std::vector<std::string> kObservables = {"absM", "chi2", "E", "phi2"};

SeriesSet one_chain(const FlowMhSamples& f) {
  SeriesSet s;
  for (const auto& name : kObservables) s[name] = {f.series.at(name)};
  return s;
}

SeriesSet chains(const ChainSamples& c) {
  SeriesSet s;
  for (const auto& name : kObservables) s[name] = c.scalars.at(name);
  return s;
}

// HMC with the defaults a user gets (Config() keys), `n` chains.
ChainSamples default_hmc(const Theory& theory, index_t n, int measurements, std::uint64_t seed) {
  const HmcSettings settings = hmc_settings(Config());
  Hmc hmc(theory, settings.integrator, seed, 0, n, settings.lengths);
  return sample_chains(theory, hmc, n, 200, measurements, 1, false);
}

}  // namespace

class TutorialPoint : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    geometry_ = std::make_unique<Geometry>(std::vector<int>{8, 8});
    theory_ = std::make_unique<Phi4>(*geometry_, -4.0, 8.0);
    reference_ = std::make_unique<SeriesSet>(chains(default_hmc(*theory_, 64, 4000, 4)));
    scale_ = {{"absM", 1.0 / double(geometry_->volume())}};
  }
  static void TearDownTestSuite() {
    reference_.reset();
    theory_.reset();
    geometry_.reset();
  }
  static void expect_agrees_with_hmc(const char* label, const SeriesSet& samples) {
    expect_agreement(label, samples, "HMC", *reference_, kObservables, scale_);
  }
  // The committed model, on a flow of batch capacity `capacity`.
  static std::unique_ptr<Flow> committed_model(index_t capacity) {
    const ModelFileContents m =
        read_model_file(std::string(FLOWLAT_SOURCE_DIR) + "/tests/data/phi4_8x8_z2.model.h5");
    auto flow = std::make_unique<Flow>(Phi4(*geometry_, -4.0, 8.0), m.architecture, capacity);
    restore_model(m, *flow, nullptr);
    return flow;
  }

  static std::unique_ptr<Geometry> geometry_;
  static std::unique_ptr<Phi4> theory_;
  static std::unique_ptr<SeriesSet> reference_;
  static std::map<std::string, double> scale_;
};
std::unique_ptr<Geometry> TutorialPoint::geometry_;
std::unique_ptr<Phi4> TutorialPoint::theory_;
std::unique_ptr<SeriesSet> TutorialPoint::reference_;
std::map<std::string, double> TutorialPoint::scale_;

TEST_F(TutorialPoint, LocalMetropolisAgreesWithHmc) {
  const index_t n = 32;
  LocalMetropolis metropolis(*theory_, 1.5, 1, 12, 0, n);
  expect_agrees_with_hmc("Metropolis",
                         chains(sample_chains(*theory_, metropolis, n, 500, 4000, 4, false)));
}

TEST_F(TutorialPoint, FlowMhWithTheCommittedModelAgreesWithHmc) {
  const index_t block = 256;
  auto flow = committed_model(block);
  const FlowMhSamples f = flow_mh_samples(*theory_, *flow, block, 1200, 5);
  std::printf("  flow-MH acceptance %.3f over %lld proposals\n", f.acceptance(), f.offered);
  expect_agrees_with_hmc("flow-MH", one_chain(f));
}

TEST_F(TutorialPoint, HybridWithTheCommittedModelAgreesWithHmc) {
  const index_t n = 32;
  auto flow = committed_model(n);
  const HmcSettings settings = hmc_settings(Config());
  Hmc hmc(*theory_, settings.integrator, 6, 0, n, settings.lengths);
  HybridUpdate hybrid(*theory_, hmc, *flow, 1, 6, 0, n);
  expect_agrees_with_hmc("hybrid", chains(sample_chains(*theory_, hybrid, n, 100, 1500, 1, false)));
}

// A mode-seeking reverse-KL model on 4x4, briefly trained, against HMC there.
TEST(SmallLattice, FlowMhWithAnUnderTrainedReverseKlModelAgreesWithHmc) {
  const Geometry g({4, 4});
  const Phi4 theory(g, -4.0, 8.0);
  const index_t block = 512;
  Flow flow(Phi4(g, -4.0, 8.0), tiny_architecture(Equivariance::Z2, 4), block);
  flow.initialize(1);
  AdamOptions adam;
  adam.lr = 5e-3;
  ReverseKlTrainer trainer(MpiContext(MPI_COMM_SELF), flow, theory, 64, adam, 2);
  for (int t = 0; t < 1000; ++t) trainer.step();
  const FlowMhSamples f = flow_mh_samples(theory, flow, block, 2800, 3);
  std::printf("  flow-MH acceptance %.3f over %lld proposals\n", f.acceptance(), f.offered);
  EXPECT_LT(f.acceptance(), 0.9);
  expect_agreement("flow-MH", one_chain(f), "HMC", chains(default_hmc(theory, 32, 4000, 4)),
                   kObservables, {{"absM", 1.0 / 16}});
}
