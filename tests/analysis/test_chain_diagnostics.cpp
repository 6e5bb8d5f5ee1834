// Binning errors against the exact error of AR(1) chains, and the longest
// stay of a chain from its accept flags.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "flowlat/analysis/chain_diagnostics.hpp"
#include "flowlat/analysis/gamma_method.hpp"

using namespace flowlat;

TEST(BinnedError, MatchesGammaMethodOnCorrelatedChains) {
  // AR(1) with rho = 0.8: tau_int = (1 + rho) / (2 (1 - rho)) = 4.5
  const std::int64_t chains = 8, n = 20000;
  std::mt19937_64 gen(3);
  std::normal_distribution<double> normal;
  std::vector<double> data;
  for (std::int64_t c = 0; c < chains; ++c) {
    double x = normal(gen) / std::sqrt(1 - 0.64);
    for (std::int64_t i = 0; i < n; ++i) data.push_back(x = 0.8 * x + normal(gen));
  }
  std::int64_t bin = 0;
  const double binned = binned_error(data, chains, bin);
  const GammaResult g = gamma_method_chains(data, chains);
  const double exact = std::sqrt(2 * 4.5 / (1 - 0.64) / double(chains * n));
  std::printf("  binned %.5f (bin %lld)  gamma %.5f  exact %.5f\n", binned, (long long)bin, g.error,
              exact);
  EXPECT_GE(bin, 64);
  EXPECT_NEAR(binned / exact, 1.0, 0.3);  // 64+ bins: ~9% relative uncertainty
  EXPECT_NEAR(g.error / exact, 1.0, 0.1);
  // uncorrelated-looking estimate (bin 1) would be 3x too small
  EXPECT_GT(binned, 2 * std::sqrt(1 / (1 - 0.64) / double(chains * n)));
}

TEST(LongestStay, CountsConsecutiveRejections) {
  // two chains of 6: stays 1,3,2 (the element that accepts starts a stay)
  // and 4 (the initial state), 1, 1
  const std::vector<double> accept = {1, 1, 0, 0, 1, 0, /**/ 0, 0, 0, 0, 1, 1};
  const LongestStay s = longest_stay(accept, 2);
  EXPECT_EQ(s.updates, 4);
  EXPECT_DOUBLE_EQ(s.fraction, 4.0 / 6.0);
  EXPECT_EQ(longest_stay({}, 1).updates, 0);
}
