// U(1) Wilson action: against a host sum over plaquettes, the force against
// central finite differences, gauge invariance of S, the plaquettes and Q,
// Q an integer on every configuration, and the observables against direct
// host computations (Wilson loops, Polyakov loops, the charge correlator).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "flowlat/core/error.hpp"
#include "flowlat/observables/observable_set.hpp"
#include "flowlat/theory/u1/u1.hpp"
#include "flowlat/theory/u1/u1_plaquette.hpp"
#include "test_fields.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

const double two_pi = 2 * M_PI;

// Links uniform on [0, 2 pi) (Haar), or near the identity when `smooth`
// (small plaquettes, so Q is mostly 0 and loops are far from 0).
Field random_links(const Geometry& g, index_t n, unsigned seed, double spread = two_pi) {
  Field f("links", n, g.dim() * g.volume());
  auto h = Kokkos::create_mirror_view(f);
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(0.0, spread);
  for (index_t b = 0; b < n; ++b)
    for (index_t l = 0; l < index_t(h.extent(1)); ++l) h(b, l) = std::fmod(u(gen), two_pi);
  Kokkos::deep_copy(f, h);
  return f;
}

double host_plaquette(const Geometry& g, const FieldHost& t, index_t b, index_t x, int mu, int nu) {
  const index_t V = g.volume();
  return t(b, mu * V + x) + t(b, nu * V + g.shifted(x, mu, 1)) -
         t(b, mu * V + g.shifted(x, nu, 1)) - t(b, nu * V + x);
}

double host_action(const Geometry& g, const FieldHost& t, index_t b, double beta) {
  double S = 0;
  for (index_t x = 0; x < g.volume(); ++x)
    for (int mu = 0; mu < g.dim(); ++mu)
      for (int nu = mu + 1; nu < g.dim(); ++nu) S -= beta * std::cos(host_plaquette(g, t, b, x, mu, nu));
  return S;
}

// (1/2 pi) sum_P wrap(theta_P) without rounding.
double host_charge(const Geometry& g, const FieldHost& t, index_t b) {
  double q = 0;
  for (index_t x = 0; x < g.volume(); ++x) {
    const double p = host_plaquette(g, t, b, x, 0, 1);
    q += p - two_pi * std::floor((p + M_PI) / two_pi);
  }
  return q / two_pi;
}

std::vector<double> actions(const U1& theory, const Field& f, index_t n) {
  BatchScalar S("S", n);
  theory.action(f, n, S);
  return to_host(S);
}

}  // namespace

class U1Shapes : public ::testing::TestWithParam<std::vector<int>> {};

TEST_P(U1Shapes, ActionMatchesPlaquetteSum) {
  const Geometry g(GetParam());
  const U1 theory(g, 1.7);
  const index_t n = 3;
  const Field f = random_links(g, n, 3);
  const auto S = actions(theory, f, n);
  const auto h = to_host(f);
  for (index_t b = 0; b < n; ++b) {
    const double ref = host_action(g, h, b, 1.7);
    EXPECT_NEAR(S[b], ref, 1e-12 * std::abs(ref)) << "config " << b;
  }
  EXPECT_EQ(theory.dof(), g.dim() * g.volume());
  EXPECT_EQ(theory.plaquettes(), g.volume() * g.dim() * (g.dim() - 1) / 2);
}

TEST_P(U1Shapes, ForceMatchesFiniteDifferences) {
  const Geometry g(GetParam());
  const U1 theory(g, 2.3);
  const index_t n = 2, dof = theory.dof();
  const Field f = random_links(g, n, 5);
  Field dS("dS", n, dof);
  theory.force(f, n, dS);
  const auto dSh = to_host(dS);
  const double h = 1e-5;
  double worst = 0;
  for (index_t l = 0; l < dof; ++l) {
    Field shifted("shifted", 2 * n, dof);
    auto sh = Kokkos::create_mirror_view(shifted);
    const auto base = to_host(f);
    for (index_t b = 0; b < n; ++b)
      for (int s = 0; s < 2; ++s)
        for (index_t k = 0; k < dof; ++k)
          sh(2 * b + s, k) = base(b, k) + (k == l ? (s ? -h : h) : 0.0);
    Kokkos::deep_copy(shifted, sh);
    const auto S = actions(theory, shifted, 2 * n);
    for (index_t b = 0; b < n; ++b) {
      const double fd = (S[2 * b] - S[2 * b + 1]) / (2 * h);
      worst = std::max(worst, std::abs(fd - dSh(b, l)));
    }
  }
  EXPECT_LT(worst, 1e-8);
}

TEST_P(U1Shapes, ActionAndPlaquettesAreGaugeInvariant) {
  const Geometry g(GetParam());
  const U1 theory(g, 1.0);
  const index_t n = 3;
  const Field f = random_links(g, n, 7);
  const auto before = to_host(f);
  const auto S0 = actions(theory, f, n);
  Field alpha = random_field(n, g.volume(), 9, 3.0);
  theory.gauge_transform(f, n, alpha);
  const auto after = to_host(f);
  const auto S1 = actions(theory, f, n);
  bool links_changed = false;
  for (index_t b = 0; b < n; ++b) {
    EXPECT_NEAR(S1[b], S0[b], 1e-11 * std::abs(S0[b]));
    for (index_t x = 0; x < g.volume(); ++x)
      for (int mu = 0; mu < g.dim(); ++mu) {
        links_changed = links_changed || std::abs(after(b, mu * g.volume() + x) -
                                                  before(b, mu * g.volume() + x)) > 1e-3;
        for (int nu = mu + 1; nu < g.dim(); ++nu) {
          const double d = host_plaquette(g, after, b, x, mu, nu) -
                           host_plaquette(g, before, b, x, mu, nu);
          EXPECT_NEAR(std::remainder(d, two_pi), 0.0, 1e-11);  // same plaquette angle mod 2 pi
        }
        EXPECT_GE(after(b, mu * g.volume() + x), 0.0);
        EXPECT_LT(after(b, mu * g.volume() + x), two_pi);
      }
  }
  EXPECT_TRUE(links_changed);  // the transformation did something
}

INSTANTIATE_TEST_SUITE_P(Shapes, U1Shapes,
                         ::testing::Values(std::vector<int>{4, 4}, std::vector<int>{6, 4},
                                           std::vector<int>{4, 4, 4}, std::vector<int>{2, 4, 2, 4}));

TEST(U1, RefusesOneDimension) { EXPECT_THROW(U1(Geometry({8}), 1.0), InputError); }

TEST(U1, ChargeIsAnIntegerAndGaugeInvariant) {
  const Geometry g({6, 8});
  const U1 theory(g, 1.0);
  const index_t n = 64;
  const Field f = random_links(g, n, 13);
  const auto obs = theory.observables(n);
  BatchScalar S("S", n);
  theory.action(f, n, S);
  Measurement m;
  obs->measure(f, n, S, m);
  const auto names = obs->scalar_names();
  const auto column = [&](const std::string& name) {
    for (std::size_t k = 0; k < names.size(); ++k)
      if (names[k] == name) return m.scalars[k];
    ADD_FAILURE() << "no observable " << name;
    return std::vector<double>();
  };
  const auto Q = column("Q");
  const auto h = to_host(f);
  int nonzero = 0;
  for (index_t b = 0; b < n; ++b) {
    const double raw = host_charge(g, h, b);
    EXPECT_NEAR(raw, std::nearbyint(raw), 1e-10) << "config " << b;  // an integer before rounding
    EXPECT_EQ(Q[b], std::nearbyint(raw));
    nonzero += Q[b] != 0;
  }
  EXPECT_GT(nonzero, n / 4);  // Haar-random links carry charge: the test sees integers != 0
  Field alpha = random_field(n, g.volume(), 17, 3.0);
  theory.gauge_transform(f, n, alpha);
  theory.action(f, n, S);
  Measurement m2;
  obs->measure(f, n, S, m2);
  for (std::size_t k = 0; k < names.size(); ++k)
    for (index_t b = 0; b < n; ++b)
      EXPECT_NEAR(m2.scalars[k][b], m.scalars[k][b], 1e-10) << names[k];
  for (std::size_t k = 0; k < m.corrs.size(); ++k)
    for (std::size_t i = 0; i < m.corrs[k].size(); ++i)
      EXPECT_NEAR(m2.corrs[k][i], m.corrs[k][i], 1e-10) << "correlator " << k;
}

TEST(U1, ObservablesMatchHostComputations) {
  const Geometry g({6, 4});
  const U1 theory(g, 1.5);
  const index_t n = 5, V = g.volume();
  const Field f = random_links(g, n, 21, 2.0);
  const auto obs = theory.observables(n);
  const auto layout = obs->corr_layout();
  ASSERT_EQ(layout.size(), 3u);
  EXPECT_EQ(layout[0], (std::pair<std::string, index_t>{"wilson_loops", 2 * 3}));
  EXPECT_EQ(layout[1], (std::pair<std::string, index_t>{"polyakov_corr", 4}));
  EXPECT_EQ(layout[2], (std::pair<std::string, index_t>{"Cq_t", 6}));
  BatchScalar S("S", n);
  theory.action(f, n, S);
  Measurement m;
  obs->measure(f, n, S, m);
  const auto h = to_host(f);
  const auto Sh = to_host(S);
  for (index_t b = 0; b < n; ++b) {
    double plaq = 0;
    std::vector<double> q(V);
    for (index_t x = 0; x < V; ++x) {
      const double p = host_plaquette(g, h, b, x, 0, 1);
      plaq += std::cos(p);
      q[x] = (p - two_pi * std::floor((p + M_PI) / two_pi)) / two_pi;
    }
    EXPECT_NEAR(m.scalars[0][b], plaq / V, 1e-13);
    EXPECT_NEAR(m.scalars[1][b], Sh[b] / V, 1e-13);
    // Wilson loops: the enclosed plaquettes' angles sum to the loop's (2D, mod 2 pi)
    for (int R = 1; R <= 2; ++R)
      for (int T = 1; T <= 3; ++T) {
        double W = 0;
        for (index_t x = 0; x < V; ++x) {
          double angle = 0;
          for (int t = 0; t < T; ++t)
            for (int r = 0; r < R; ++r)
              angle += host_plaquette(g, h, b, g.shifted(g.shifted(x, 0, t), 1, r), 0, 1);
          W += std::cos(angle);
        }
        EXPECT_NEAR(m.corrs[0][b * 6 + (R - 1) * 3 + (T - 1)], W / V, 1e-12) << R << "x" << T;
      }
    // Polyakov loops along direction 0 and their correlator
    std::vector<double> re(4), im(4);
    for (int x1 = 0; x1 < 4; ++x1) {
      double angle = 0;
      for (int t = 0; t < 6; ++t) angle += h(b, g.site({t, x1}));
      re[x1] = std::cos(angle), im[x1] = std::sin(angle);
    }
    double mre = 0, mim = 0;
    for (int x1 = 0; x1 < 4; ++x1) mre += re[x1] / 4, mim += im[x1] / 4;
    EXPECT_NEAR(m.scalars[5][b], mre, 1e-13);
    EXPECT_NEAR(m.scalars[6][b], std::hypot(mre, mim), 1e-13);
    for (int r = 0; r < 4; ++r) {
      double c = 0;
      for (int x1 = 0; x1 < 4; ++x1)
        c += (re[x1] * re[(x1 + r) % 4] + im[x1] * im[(x1 + r) % 4]) / 4;
      EXPECT_NEAR(m.corrs[1][b * 4 + r], c, 1e-13);
    }
    // charge-density correlator: sum_x1 (1/V) sum_y q(y) q(y + (t, x1))
    for (int t = 0; t < 6; ++t) {
      double c = 0;
      for (int x1 = 0; x1 < 4; ++x1)
        for (index_t y = 0; y < V; ++y)
          c += q[y] * q[g.shifted(g.shifted(y, 0, t), 1, x1)] / double(V);
      EXPECT_NEAR(m.corrs[2][b * 6 + t], c, 1e-12);
    }
  }
}
