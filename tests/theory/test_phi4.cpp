// phi^4: action against a direct host sum of both forms in PHYSICS.md, and
// the force against central finite differences of the action.
#include <gtest/gtest.h>

#include <cmath>

#include "flowlat/theory/phi4/phi4.hpp"
#include "test_fields.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {
// S = sum_x [ sum_mu (phi(x+mu) - phi(x))^2 + m2 phi^2 + lambda phi^4 ] (the gradient form)
double action_gradient_form(const Geometry& g, const FieldHost& f, index_t b, double m2,
                            double lambda) {
  double S = 0;
  for (index_t x = 0; x < g.volume(); ++x) {
    const double p = f(b, x);
    for (int mu = 0; mu < g.dim(); ++mu) {
      const double diff = f(b, g.shifted(x, mu, 1)) - p;
      S += diff * diff;
    }
    S += m2 * p * p + lambda * p * p * p * p;
  }
  return S;
}
}  // namespace

class Phi4Shapes : public ::testing::TestWithParam<std::vector<int>> {};

TEST_P(Phi4Shapes, ActionMatchesGradientForm) {
  const Geometry g(GetParam());
  const Phi4 theory(g, -4.0, 8.0);
  const index_t n = 3;
  const Field phi = random_field(n, g.volume(), 11);
  BatchScalar S("S", n);
  theory.action(phi, n, S);
  const auto Sh = to_host(S);
  const auto fh = to_host(phi);
  for (index_t b = 0; b < n; ++b) {
    const double ref = action_gradient_form(g, fh, b, -4.0, 8.0);
    EXPECT_NEAR(Sh[b], ref, 1e-12 * std::abs(ref)) << "config " << b;
  }
}

TEST_P(Phi4Shapes, ForceMatchesFiniteDifferences) {
  const Geometry g(GetParam());
  const Phi4 theory(g, -1.3, 0.7);
  const index_t n = 2;
  const Field phi = random_field(n, g.volume(), 5);
  Field dS("dS", n, g.volume());
  theory.force(phi, n, dS);
  const auto dSh = to_host(dS);
  const double h = 1e-5;
  BatchScalar S("S", n);
  double worst = 0;
  for (index_t x = 0; x < g.volume(); ++x) {
    double Sp[2] = {0, 0}, Sm[2] = {0, 0};
    for (int sign : {+1, -1}) {
      auto shifted = to_host(phi);
      for (index_t b = 0; b < n; ++b) shifted(b, x) += sign * h;
      Field dev("shifted", n, g.volume());
      Kokkos::deep_copy(dev, shifted);
      theory.action(dev, n, S);
      const auto v = to_host(S);
      for (index_t b = 0; b < n; ++b) (sign > 0 ? Sp : Sm)[b] = v[b];
    }
    for (index_t b = 0; b < n; ++b) {
      const double fd = (Sp[b] - Sm[b]) / (2 * h);
      const double rel = std::abs(fd - dSh(b, x)) / std::max(1.0, std::abs(dSh(b, x)));
      worst = std::max(worst, rel);
    }
  }
  EXPECT_LT(worst, 1e-7);
}

// The row kernels (no neighbour tables) against the site-table formula, bit
// for bit, and the fused kick against force + update (Theory::kick's default),
// also bit for bit: HMC trajectories are the same either way.
TEST_P(Phi4Shapes, RowForceAndFusedKickMatchTheTableFormula) {
  const Geometry g(GetParam());
  const Phi4 theory(g, -1.3, 0.7);
  const index_t n = 3, V = g.volume();
  const Field phi = random_field(n, V, 17);
  Field dS("dS", n, V);
  theory.force(phi, n, dS);
  const auto f = to_host(phi);
  const auto dSh = to_host(dS);
  const double mass_term = -1.3 + 2.0 * g.dim(), lambda = 0.7;
  for (index_t b = 0; b < n; ++b)
    for (index_t x = 0; x < V; ++x) {
      double nbr = 0;
      for (int mu = 0; mu < g.dim(); ++mu)
        nbr += f(b, g.shifted(x, mu, 1)) + f(b, g.shifted(x, mu, -1));
      const double p = f(b, x);
      ASSERT_EQ(dSh(b, x), -2 * nbr + (2 * mass_term * p + 4 * lambda * p * p * p))
          << "config " << b << " site " << x;
    }

  const Field p_fused = random_field(n, V, 23), p_plain = random_field(n, V, 23);
  Field scratch("scratch", n, V);
  theory.kick(phi, p_fused, 0.37, n, scratch);
  theory.Theory::kick(phi, p_plain, 0.37, n, scratch);  // the default: force, then update
  const auto a = to_host(p_fused), c = to_host(p_plain), p0 = to_host(random_field(n, V, 23));
  for (index_t b = 0; b < n; ++b)
    for (index_t x = 0; x < V; ++x) {
      ASSERT_EQ(a(b, x), c(b, x)) << "config " << b << " site " << x;
      ASSERT_NE(a(b, x), p0(b, x));
    }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Phi4Shapes,
                         ::testing::Values(std::vector<int>{7}, std::vector<int>{4, 4},
                                           std::vector<int>{3, 5}, std::vector<int>{2, 3, 4},
                                           std::vector<int>{2, 2, 2, 4},
                                           std::vector<int>{1, 6}, std::vector<int>{5, 1, 3},
                                           std::vector<int>{3, 70}, std::vector<int>{2, 33}));

TEST(Phi4, SiteDeltaMatchesActionDifference) {
  const Geometry g({4, 6});
  const Phi4 theory(g, -4.0, 8.0);
  const Field phi = random_field(1, g.volume(), 3);
  auto fh = to_host(phi);
  BatchScalar S("S", 1);
  theory.action(phi, 1, S);
  const double S0 = to_host(S)[0];
  const index_t x = 9;
  double nbr = 0;
  for (int mu = 0; mu < 2; ++mu) nbr += fh(0, g.shifted(x, mu, 1)) + fh(0, g.shifted(x, mu, -1));
  const double old_value = fh(0, x), new_value = old_value + 0.37;
  fh(0, x) = new_value;
  Kokkos::deep_copy(phi, fh);
  theory.action(phi, 1, S);
  const double S1 = to_host(S)[0];
  EXPECT_NEAR(theory.site_action().delta(old_value, new_value, nbr), S1 - S0, 1e-11 * std::abs(S0));
}
