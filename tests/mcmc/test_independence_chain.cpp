// The accept/reject bookkeeping of the flow independence sampler: a
// non-finite log-weight is never accepted, not even as the first state.
#include <gtest/gtest.h>

#include <cmath>

#include "flowlat/mcmc/flow_metropolis.hpp"

using namespace flowlat;

TEST(IndependenceChain, NonFiniteWeightsAreNeverAccepted) {
  IndependenceChain chain(7);
  EXPECT_FALSE(chain.offer(0, std::nan("")));
  EXPECT_FALSE(chain.offer(1, INFINITY));
  EXPECT_FALSE(chain.started());
  EXPECT_TRUE(chain.offer(2, -3.0));  // the first finite proposal starts the chain
  EXPECT_EQ(chain.state(), 2);
  EXPECT_FALSE(chain.offer(3, INFINITY));   // would freeze the chain forever
  EXPECT_FALSE(chain.offer(4, std::nan("")));
  EXPECT_FALSE(chain.offer(5, -INFINITY));
  EXPECT_EQ(chain.state(), 2);
  EXPECT_EQ(chain.non_finite(), 5);
  EXPECT_TRUE(chain.offer(6, 10.0));  // a better finite weight is always accepted
  EXPECT_EQ(chain.state(), 6);
}
