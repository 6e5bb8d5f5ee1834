// decide_block: the same decisions as offering the proposals one by one, and
// the proposals the chain keeps from a block (what a saved element shows or a
// flush writes, and the state the block ends in), so that only those travel.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "flowlat/mcmc/chain_block.hpp"

using namespace flowlat;

namespace {
std::vector<double> weights(std::size_t n, unsigned seed) {
  std::mt19937 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.5);
  std::vector<double> w(n);
  for (auto& x : w) x = normal(engine);
  return w;
}
}  // namespace

TEST(ChainBlock, DecisionsEqualOfferingOneByOne) {
  const std::int64_t first = 40, therm = 45, save_every = 3;
  auto w = weights(32, 1);
  w[7] = std::nan("");  // counted, never accepted
  IndependenceChain blocked(11), single(11);
  blocked.restore(12, -0.5, 2);  // a state carried over from an earlier block
  single.restore(12, -0.5, 2);
  const ChainBlock b = decide_block(blocked, first, first + 2, first + 30, w, therm, save_every);
  EXPECT_EQ(b.first, first);
  EXPECT_EQ(b.state_before, 12);
  std::size_t p = 0;
  std::set<std::int64_t> needed, saved;
  for (std::int64_t e = first + 2; e < first + 30; ++e) {
    const bool accept = single.offer(e, w[std::size_t(e - first)]);
    if (e < therm) continue;
    ASSERT_LT(p, b.production.size());
    const ChainElement& x = b.production[p++];
    EXPECT_EQ(x.proposal, e);
    EXPECT_EQ(x.accept, accept) << e;
    EXPECT_EQ(x.state, single.state()) << e;
    EXPECT_EQ(x.state_log_w, single.state_log_w()) << e;
    EXPECT_EQ(x.non_finite, single.non_finite()) << e;
    EXPECT_EQ(x.saved, (e - therm + 1) % save_every == 0) << e;
    if (x.state >= first) needed.insert(x.state);
    if (x.state >= first && x.saved) saved.insert(x.state);
  }
  EXPECT_EQ(p, b.production.size());
  EXPECT_EQ(b.production.size(), std::size_t(first + 30 - therm));
  EXPECT_EQ(b.state_after, single.state());
  EXPECT_EQ(blocked.state(), single.state());
  EXPECT_EQ(blocked.non_finite(), 3);
  if (single.state() >= first) needed.insert(single.state());
  ASSERT_EQ(b.kept, std::vector<std::int64_t>(needed.begin(), needed.end()));
  ASSERT_EQ(b.measured.size(), b.kept.size());
  for (std::size_t k = 0; k < b.kept.size(); ++k) {
    EXPECT_EQ(b.measured[k], saved.count(b.kept[k]) == 1) << b.kept[k];
    EXPECT_EQ(b.kept_index(b.kept[k]), std::int64_t(k));
  }
  EXPECT_GT(saved.size(), 1u);  // the test sees several saved states
  EXPECT_LT(saved.size(), needed.size());  // and kept states no saved element shows
  EXPECT_EQ(b.kept_index(12), -1);  // the carried state is not this block's
  EXPECT_EQ(b.kept_index(first + 7), -1);  // nor a proposal the chain never visited
}

TEST(ChainBlock, ThermalizationKeepsOnlyTheFinalState) {
  const auto w = weights(16, 2);
  IndependenceChain chain(3);
  const ChainBlock b = decide_block(chain, 0, 0, 16, w, 100, 1);
  EXPECT_TRUE(b.production.empty());
  EXPECT_EQ(b.state_before, -1);
  ASSERT_EQ(b.kept, std::vector<std::int64_t>{chain.state()});
  EXPECT_EQ(b.measured, std::vector<bool>{false});
}

TEST(ChainBlock, EverySavedStateIsMeasuredWithSaveEveryOne) {
  const auto w = weights(64, 3);
  IndependenceChain chain(5);
  const ChainBlock b = decide_block(chain, 0, 0, 64, w, 0, 1);
  ASSERT_EQ(b.production.size(), 64u);
  std::set<std::int64_t> states;
  for (const auto& e : b.production) states.insert(e.state);
  EXPECT_EQ(b.kept, std::vector<std::int64_t>(states.begin(), states.end()));
  for (bool m : b.measured) EXPECT_TRUE(m);
}
