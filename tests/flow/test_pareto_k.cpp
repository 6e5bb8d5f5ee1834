// Importance-weight diagnostics: Pareto k-hat recovers the tail index of
// weights with a known generalised-Pareto tail, stays small for a nearly
// perfect flow, and the largest normalised weight is exact on simple cases.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "flowlat/flow/importance_weights.hpp"

using namespace flowlat;

namespace {

// log-weights of w = U^{-k}: a Pareto tail of shape k (variance infinite for k >= 1/2).
std::vector<double> pareto_log_weights(double k, int n, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> w(static_cast<std::size_t>(n));
  for (auto& x : w) x = -k * std::log(1 - u(gen)) + 3.0;  // an offset must not matter
  return w;
}

}  // namespace

TEST(ParetoK, RecoversKnownTailShape) {
  const int n = 20000;
  const double tail = std::ceil(std::min(0.2 * n, 3 * std::sqrt(double(n))));
  for (double k : {0.2, 0.5, 0.9, 1.3}) {
    for (unsigned seed : {1u, 2u}) {
      const double k_hat = pareto_k_hat(pareto_log_weights(k, n, seed));
      // maximum-likelihood standard error of the shape: (1 + k) / sqrt(M)
      const double se = (1 + k) / std::sqrt(tail);
      std::printf("  k = %.2f: k-hat %.3f (se %.3f)\n", k, k_hat, se);
      EXPECT_LT(std::abs(k_hat - k), 4 * se) << "k = " << k;
    }
  }
}

TEST(ParetoK, SmallForANearlyPerfectFlow) {
  std::mt19937_64 gen(5);
  std::normal_distribution<double> normal(0.0, 0.1);
  std::vector<double> w(10000);
  for (auto& x : w) x = normal(gen);
  const double k_hat = pareto_k_hat(w);
  EXPECT_LT(k_hat, 0.5);
  // a weight distribution with a real heavy tail is flagged
  EXPECT_GT(pareto_k_hat(pareto_log_weights(1.0, 10000, 3)), kParetoKLimit);
}

TEST(ParetoK, DegenerateInputs) {
  EXPECT_TRUE(std::isnan(pareto_k_hat({})));
  EXPECT_TRUE(std::isnan(pareto_k_hat({1.0, 2.0, 3.0})));
  // non-finite log-weights are left out, not propagated
  auto w = pareto_log_weights(0.5, 5000, 4);
  const double clean = pareto_k_hat(w);
  w.push_back(std::nan(""));
  w.push_back(-INFINITY);
  EXPECT_NEAR(pareto_k_hat(w), clean, 0.05);
  EXPECT_TRUE(std::isfinite(pareto_k_hat(w)));
}

TEST(MaxNormalizedWeight, ExactCases) {
  EXPECT_DOUBLE_EQ(max_normalized_weight({0.0, 0.0, 0.0, 0.0}), 0.25);
  EXPECT_NEAR(max_normalized_weight({std::log(3.0), 0.0}), 0.75, 1e-15);
  EXPECT_NEAR(max_normalized_weight({1000.0, 0.0}), 1.0, 1e-15);
  EXPECT_EQ(max_normalized_weight({}), 0.0);
  const auto d = weight_diagnostics({0.0, 0.0});
  EXPECT_DOUBLE_EQ(d.ess_per_sample, 1.0);
  EXPECT_DOUBLE_EQ(d.max_weight, 0.5);
}
