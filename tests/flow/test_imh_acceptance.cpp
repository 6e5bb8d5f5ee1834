// Figures from log-weights: ESS/N on exact cases; the training history's
// acceptance estimate exact on small cases and equal to the acceptance of an
// actual independence-MH chain whose proposals are drawn from the batch
// itself (its stationary law is the reweighted batch).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "flowlat/flow/importance_weights.hpp"

using namespace flowlat;

TEST(EssPerSample, ExactCases) {
  EXPECT_DOUBLE_EQ(ess_per_sample({0.7, 0.7, 0.7}), 1.0);
  // weights 1 and 2: (1 + 2)^2 / (2 (1 + 4)) = 0.9, shifted by a large
  // constant (800 + ln 2 carries an input rounding of ~1e-13)
  EXPECT_NEAR(ess_per_sample({800.0, 800.0 + std::log(2.0)}), 0.9, 1e-12);
  // one weight dominates: ESS -> 1 sample of N
  EXPECT_NEAR(ess_per_sample({0.0, -800.0, -800.0, -800.0}), 0.25, 1e-14);
  EXPECT_EQ(ess_per_sample({}), 0.0);
}

TEST(ImhAcceptance, PerfectModelAcceptsEverything) {
  EXPECT_DOUBLE_EQ(expected_imh_acceptance({0.3, 0.3, 0.3, 0.3}), 1.0);
}

TEST(ImhAcceptance, TwoWeights) {
  // weights 1 and 2, equally often: state of weight 1 (prob 1/3) accepts all,
  // state of weight 2 (prob 2/3) accepts half of the light proposals: 5/6
  EXPECT_NEAR(expected_imh_acceptance({0.0, std::log(2.0), 0.0, std::log(2.0)}), 5.0 / 6.0, 1e-14);
}

TEST(ImhAcceptance, MatchesASimulatedChain) {
  std::mt19937_64 gen(7);
  std::normal_distribution<double> normal(0.0, 1.5);
  std::vector<double> log_w(200);
  for (double& w : log_w) w = normal(gen);
  const double expected = expected_imh_acceptance(log_w);
  std::uniform_int_distribution<std::size_t> pick(0, log_w.size() - 1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::size_t state = 0;
  const long long steps = 2000000;
  long long accepted = 0;
  // batches of the chain give the error (the chain is correlated)
  const int n_batches = 100;
  std::vector<double> batch_rate(n_batches, 0.0);
  for (long long t = 0; t < steps; ++t) {
    const std::size_t proposal = pick(gen);
    const bool accept = u(gen) < std::exp(std::min(0.0, log_w[proposal] - log_w[state]));
    if (accept) state = proposal;
    accepted += accept;
    batch_rate[std::size_t(t * n_batches / steps)] += accept ? double(n_batches) / double(steps) : 0.0;
  }
  const double rate = double(accepted) / double(steps);
  double var = 0;
  for (double b : batch_rate) var += (b - rate) * (b - rate);
  const double error = std::sqrt(var / (n_batches - 1) / n_batches);
  std::printf("  estimate %.5f, simulated chain %.5f +- %.5f\n", expected, rate, error);
  EXPECT_LT(expected, 0.8);  // far from trivial
  EXPECT_NEAR(expected, rate, 4 * error);
}
