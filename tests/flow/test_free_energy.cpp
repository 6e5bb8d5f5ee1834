// The NIS free energy ln Z = ln E_q[e^w]: on synthetic weights with a known
// answer, and from flows trained briefly in the test against the exact ln Z
// of the free phi4 field and of 2D U(1) on small tori, within 4 standard
// errors that are themselves small (so a wrong log q or prior normalisation,
// which shifts ln Z by O(1), cannot pass).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "flow_test_support.hpp"
#include "flowlat/flow/free_energy.hpp"
#include "flowlat/flow/reverse_kl_trainer.hpp"
#include "flowlat/mcmc/flow_metropolis.hpp"
#include "flowlat/theory/phi4/phi4.hpp"
#include "flowlat/theory/u1/u1.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

TEST(FreeEnergy, SyntheticWeights) {
  const auto constant = nis_free_energy(std::vector<double>(100, 3.25));
  EXPECT_NEAR(constant.log_z, 3.25, 1e-14);
  EXPECT_NEAR(constant.error, 0.0, 1e-14);
  EXPECT_NEAR(constant.lower_bound, 3.25, 1e-14);
  // a proposal without a finite weight counts as weight 0
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_NEAR(nis_free_energy({0.0, -inf}).log_z, std::log(0.5), 1e-14);
  EXPECT_TRUE(std::isnan(nis_free_energy({}).log_z));
  // log-normal weights: E[e^w] = e^{mu + s^2/2}, <w> = mu
  std::mt19937_64 gen(5);
  const double mu = 1000.0, s = 0.7;  // large mu: the sum must not overflow
  std::normal_distribution<double> normal(mu, s);
  std::vector<double> w(400000);
  for (double& x : w) x = normal(gen);
  const auto e = nis_free_energy(w);
  const double exact = mu + 0.5 * s * s;
  std::printf("  log-normal: %.5f +- %.5f, exact %.5f\n", e.log_z, e.error, exact);
  EXPECT_LT(std::abs(e.log_z - exact), 4 * e.error);
  EXPECT_LT(e.error, 0.005);
  EXPECT_NEAR(e.lower_bound, mu, 0.01);
}

namespace {

// Trains `flow` briefly by reverse KL, then returns the NIS estimate from
// `proposals` fresh samples.
FreeEnergyEstimate trained_estimate(const Theory& theory, Flow& flow, int steps, int proposals) {
  const MpiContext self(MPI_COMM_SELF);
  AdamOptions adam;
  adam.lr = 5e-3;
  ReverseKlTrainer trainer(self, flow, theory, 64, adam, 3);
  for (int t = 0; t < steps; ++t) trainer.step(false);
  const index_t block = 256;
  FlowProposer proposer(self, flow, theory, 17, block);
  std::vector<double> all, w;
  for (int first = 0; first < proposals; first += int(block)) {
    proposer.propose(first, w);
    all.insert(all.end(), w.begin(), w.end());
  }
  return nis_free_energy(all);
}

void expect_exact(const char* what, const FreeEnergyEstimate& e, double exact) {
  std::printf("  %s: ln Z (NIS) %.5f +- %.5f, bound %.5f, exact %.5f (%+.2f sigma)\n", what,
              e.log_z, e.error, e.lower_bound, exact, (e.log_z - exact) / e.error);
  EXPECT_TRUE(std::isfinite(exact));
  EXPECT_LT(std::abs(e.log_z - exact), 4 * e.error) << what;
  EXPECT_LT(e.error, 0.02) << what << ": not enough statistics";
  EXPECT_LT(e.lower_bound, exact + 4 * e.error) << what << ": the variational bound";
}

}  // namespace

TEST(FreeEnergy, FreeScalarField) {
  const Phi4 theory(Geometry({4, 4}), 1.0, 0.0);
  Flow flow(theory, tiny_architecture(Equivariance::Z2, 4), 256);
  flow.initialize(2);
  expect_exact("free phi4 4x4", trained_estimate(theory, flow, 150, 20480),
               theory.exact_log_partition_function());
}

TEST(FreeEnergy, U1OnTheTorus) {
  const U1 theory(Geometry({4, 4}), 1.5);
  FlowArchitecture a = tiny_architecture(Equivariance::None, 8);
  a.coupling_type = "ncp";
  a.coupling.final_activation = Activation::Identity;
  Flow flow(theory, a, 256);
  flow.initialize(2);
  expect_exact("U(1) 4x4, beta 1.5", trained_estimate(theory, flow, 150, 20480),
               theory.exact_log_partition_function());
}
