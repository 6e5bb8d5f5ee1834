// Local Metropolis: odd extents are refused; the acceptance record is a rate;
// chain histories are independent of batching.
#include <gtest/gtest.h>

#include "flowlat/core/error.hpp"
#include "flowlat/theory/phi4/local_metropolis.hpp"
#include "test_fields.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

TEST(LocalMetropolis, RefusesOddExtents) {
  const Geometry g({8, 7});
  const Phi4 theory(g, -4.0, 8.0);
  try {
    LocalMetropolis m(theory, 1.0, 1, 1, 0, 1);
    FAIL() << "no error for an odd extent";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("lattice.shape"), std::string::npos);
  }
}

TEST(LocalMetropolis, AcceptanceIsARateAndBatchingDoesNotMatter) {
  const Geometry g({4, 6});
  const Phi4 theory(g, -4.0, 8.0);
  const Field start = random_field(3, g.volume(), 4);
  Field all("all", 3, g.volume()), last("last", 1, g.volume());
  Kokkos::deep_copy(all, start);
  Kokkos::deep_copy(last, Kokkos::subview(start, std::make_pair(2, 3), Kokkos::ALL));
  LocalMetropolis m3(theory, 1.0, 2, 5, 0, 3), m1(theory, 1.0, 2, 5, 2, 1);
  std::vector<BatchScalar> r3{BatchScalar("r", 3)}, r1{BatchScalar("r", 1)};
  for (int s = 0; s < 5; ++s) {
    m3.update(all, 3, s, r3, {});
    m1.update(last, 1, s, r1, {});
    const auto rate = to_host(r3[0]);
    for (double r : rate) {
      EXPECT_GT(r, 0.0);
      EXPECT_LT(r, 1.0);
    }
    EXPECT_EQ(rate[2], to_host(r1[0])[0]);
  }
  const auto a = to_host(all), l = to_host(last);
  for (index_t x = 0; x < g.volume(); ++x) EXPECT_EQ(a(2, x), l(0, x));
}
