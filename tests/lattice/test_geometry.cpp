// Geometry: index round trips, neighbour tables, parity and stencils in d = 1..4.
#include <gtest/gtest.h>

#include "flowlat/lattice/geometry.hpp"
#include "flowlat/core/error.hpp"

using namespace flowlat;

class GeometryDims : public ::testing::TestWithParam<std::vector<int>> {};

TEST_P(GeometryDims, CoordinatesRoundTripAndNeighbours) {
  const Geometry g(GetParam());
  index_t expected_volume = 1;
  for (int L : GetParam()) expected_volume *= L;
  ASSERT_EQ(g.volume(), expected_volume);
  auto fwd = Kokkos::create_mirror_view_and_copy(HostSpace(), g.forward());
  auto bwd = Kokkos::create_mirror_view_and_copy(HostSpace(), g.backward());
  for (index_t x = 0; x < g.volume(); ++x) {
    const auto c = g.coords(x);
    EXPECT_EQ(g.site(c), x);
    for (int mu = 0; mu < g.dim(); ++mu) {
      EXPECT_EQ(bwd(fwd(x, mu), mu), x);
      auto cf = g.coords(fwd(x, mu));
      for (int nu = 0; nu < g.dim(); ++nu)
        EXPECT_EQ(cf[nu], nu == mu ? (c[nu] + 1) % g.extent(nu) : c[nu]);
      if (g.checkerboard_ok() || g.extent(mu) % 2 == 0) {
        EXPECT_NE(g.parity(fwd(x, mu)), g.parity(x));
      }
    }
  }
  // last direction fastest (FFTW row-major order)
  if (g.volume() > 1) {
    EXPECT_EQ(g.coords(1)[g.dim() - 1], g.extent(g.dim() - 1) > 1 ? 1 : 0);
  }
}

TEST_P(GeometryDims, StencilMatchesShifts) {
  const Geometry g(GetParam());
  for (int k : {1, 3}) {
    auto st = Kokkos::create_mirror_view_and_copy(HostSpace(), g.stencil(k));
    ASSERT_EQ(int(st.extent(1)), Geometry::stencil_size(k, g.dim()));
    for (index_t x = 0; x < g.volume(); ++x)
      for (int o = 0; o < int(st.extent(1)); ++o) {
        // decode offset o into (-r..r)^d, last direction fastest
        index_t y = x;
        int rest = o;
        for (int mu = g.dim() - 1; mu >= 0; --mu) {
          y = g.shifted(y, mu, rest % k - k / 2);
          rest /= k;
        }
        EXPECT_EQ(st(x, o), y);
      }
    // the centre offset is the site itself
    EXPECT_EQ(st(0, int(st.extent(1)) / 2), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Dims, GeometryDims,
                         ::testing::Values(std::vector<int>{6}, std::vector<int>{4, 6},
                                           std::vector<int>{3, 5}, std::vector<int>{2, 4, 6},
                                           std::vector<int>{2, 2, 4, 4}));

TEST(Geometry, ParityTable) {
  const Geometry g({4, 6});
  auto ps = Kokkos::create_mirror_view_and_copy(HostSpace(), g.sites_of_parity());
  ASSERT_EQ(g.sites_per_parity(), 12);
  std::vector<int> seen(g.volume(), 0);
  for (int p = 0; p < 2; ++p)
    for (index_t i = 0; i < g.sites_per_parity(); ++i) {
      EXPECT_EQ(g.parity(ps(p, i)), p);
      seen[ps(p, i)]++;
    }
  for (int s : seen) EXPECT_EQ(s, 1);
}

TEST(Geometry, RejectsBadShapes) {
  EXPECT_THROW(Geometry({}), InputError);
  EXPECT_THROW(Geometry({4, 0}), InputError);
  EXPECT_THROW(Geometry({2, 2, 2, 2, 2}), InputError);
  EXPECT_FALSE(Geometry({4, 5}).checkerboard_ok());
}
