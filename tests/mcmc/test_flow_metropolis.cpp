// Flow independence Metropolis-Hastings: the chain is the same for any rank
// count, and it is exact for any flow: with an untrained flow at the free
// field it reproduces the exact <phi^2>, chi_2 and E within errors.
#include <gtest/gtest.h>

#include <cmath>

#include "flow/flow_test_support.hpp"
#include "flow_mh_samples.hpp"
#include "under_trained_flow.hpp"
#include "flowlat/analysis/gamma_method.hpp"
#include "flowlat/mcmc/flow_metropolis.hpp"
#include "flowlat/observables/scalar_field_observables.hpp"
#include "flowlat/theory/phi4/free_field.hpp"
#include "flowlat/theory/phi4/phi4.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

struct ChainTrace {
  std::vector<double> log_w;
  std::vector<int> accept;
  std::vector<std::int64_t> state;
};

ChainTrace run_chain(const MpiContext& mpi, const Theory& theory, Flow& flow, int blocks,
                     index_t block) {
  FlowProposer proposer(mpi, flow, theory, 31, block);
  IndependenceChain chain(31);
  ChainTrace t;
  std::vector<double> w;
  for (int k = 0; k < blocks; ++k) {
    proposer.propose(std::int64_t(k) * block, w);
    for (index_t i = 0; i < block; ++i) {
      t.accept.push_back(chain.offer(std::int64_t(k) * block + i, w[i]));
      t.state.push_back(chain.state());
      t.log_w.push_back(w[i]);
    }
  }
  return t;
}

}  // namespace

TEST(FlowMetropolis, ChainIndependentOfRankCount) {
  const Geometry g({4, 4});
  const Phi4 theory(g, -1.0, 1.0);
  if (MpiContext(MPI_COMM_WORLD).size() == 1) GTEST_SKIP() << "compares 2+ ranks with one";
  Flow flow(Phi4(g, -4.0, 8.0), tiny_architecture(Equivariance::None, 2), 16);
  flow.initialize(2);
  const auto world = run_chain(MpiContext(MPI_COMM_WORLD), theory, flow, 5, 13);
  const auto self = run_chain(MpiContext(MPI_COMM_SELF), theory, flow, 5, 13);
  EXPECT_EQ(world.log_w, self.log_w);
  EXPECT_EQ(world.accept, self.accept);
  EXPECT_EQ(world.state, self.state);
  int accepted = 0;
  for (int a : self.accept) accepted += a;
  EXPECT_GT(accepted, 1);
  EXPECT_LT(accepted, int(self.accept.size()));
}

// Exactness must not depend on model quality: a briefly trained flow (far
// from the target, acceptance well below 1) still gives exact results, with
// its networks in float64 and in float32 (flow.precision's default).
class FlowMetropolisPrecision : public ::testing::TestWithParam<NetPrecision> {};

TEST_P(FlowMetropolisPrecision, ExactAtTheFreeFieldWithAnUnderTrainedFlow) {
  if (MpiContext(MPI_COMM_WORLD).size() > 1) GTEST_SKIP() << "one-rank statistics test";
  const Geometry g({4, 4});
  const double m2 = 1.0;
  const Phi4 theory(g, m2, 0.0);
  const index_t block = 256;
  const auto flow = under_trained_flow(theory, block, GetParam());
  const FlowMhSamples f = flow_mh_samples(theory, *flow, block, 400, 8);
  std::printf("  %s: acceptance %.3f over %lld proposals\n",
              net_precision_name(GetParam()).c_str(), f.acceptance(), f.offered);
  EXPECT_LT(f.acceptance(), 0.8);  // the model really is imperfect
  auto check = [&](const std::string& name, double exact) {
    const auto r = gamma_method({f.series.at(name)});
    std::printf("  %-6s %.5f +- %.5f (tau_int %.1f)  exact %.5f  (%+.2f sigma)\n", name.c_str(),
                r.mean, r.error, r.tau_int, exact, (r.mean - exact) / r.error);
    EXPECT_LT(std::abs(r.mean - exact), 4 * r.error) << name;
    EXPECT_LT(r.error, 0.02 * std::abs(exact)) << name << ": not enough statistics";
  };
  check("phi2", free_field::propagator(g, m2, {0, 0, 0, 0}));
  check("chi2", free_field::susceptibility(m2));
  check("E", free_field::ising_energy(g, m2));
}

INSTANTIATE_TEST_SUITE_P(Precisions, FlowMetropolisPrecision,
                         ::testing::Values(NetPrecision::Float64, NetPrecision::Float32),
                         [](const auto& info) { return net_precision_name(info.param); });
