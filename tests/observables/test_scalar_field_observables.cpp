// ScalarFieldObservables and FftwPlan against direct host computations on
// random fields: G(x) by the O(V^2) sum, |phi~(p)|^2 by the direct DFT, every
// scalar observable and C(t) by its definition; batches smaller than planned.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>

#include "flowlat/core/error.hpp"
#include "flowlat/lattice/geometry.hpp"
#include "flowlat/observables/fftw_plan.hpp"
#include "flowlat/observables/scalar_field_observables.hpp"

using namespace flowlat;

namespace {

constexpr double kPi = 3.14159265358979323846;

// Random field rows (normal with a random offset per configuration, so M and
// C(t) are not all close to zero) copied to the device.
Field random_field(const Geometry& g, index_t rows, std::uint64_t seed, FieldHost& host) {
  Field phi("test.phi", rows, g.volume());
  host = Kokkos::create_mirror_view(phi);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  for (index_t b = 0; b < rows; ++b) {
    const double offset = 0.7 * normal(rng);
    for (index_t x = 0; x < g.volume(); ++x) host(b, x) = offset + normal(rng);
  }
  Kokkos::deep_copy(phi, host);
  return phi;
}

index_t add_sites(const Geometry& g, index_t y, index_t x) {
  const auto cy = g.coords(y), cx = g.coords(x);
  std::array<int, kMaxDim> c{0, 0, 0, 0};
  for (int mu = 0; mu < g.dim(); ++mu) c[mu] = cy[mu] + cx[mu];
  return g.site(c);
}

// G(x) = (1/V) sum_y phi(y) phi(y+x), directly.
std::vector<double> direct_two_point(const Geometry& g, const FieldHost& phi, index_t b) {
  const index_t V = g.volume();
  std::vector<double> G(V, 0.0);
  for (index_t x = 0; x < V; ++x) {
    double s = 0;
    for (index_t y = 0; y < V; ++y) s += phi(b, y) * phi(b, add_sites(g, y, x));
    G[x] = s / double(V);
  }
  return G;
}

// |phi~(p)|^2 with phi~(p) = sum_x e^{-ipx} phi(x), directly.
double direct_power(const Geometry& g, const FieldHost& phi, index_t b,
                    const std::array<double, kMaxDim>& p) {
  std::complex<double> s = 0;
  for (index_t x = 0; x < g.volume(); ++x) {
    const auto c = g.coords(x);
    double px = 0;
    for (int mu = 0; mu < g.dim(); ++mu) px += p[mu] * c[mu];
    s += std::polar(phi(b, x), -px);
  }
  return std::norm(s);
}

BatchScalar random_action(index_t rows, std::uint64_t seed) {
  BatchScalar S("test.S", rows);
  auto h = Kokkos::create_mirror_view(S);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-50.0, 200.0);
  for (index_t b = 0; b < rows; ++b) h(b) = u(rng);
  Kokkos::deep_copy(S, h);
  return S;
}

class Observables : public ::testing::TestWithParam<std::vector<int>> {};

}  // namespace

TEST(FftwPlan, RoundTripAndMove) {
  const std::vector<int> ext{3, 4, 5};
  FftwPlan plan(ext, 3);
  ASSERT_EQ(plan.real_size(), 60);
  ASSERT_EQ(plan.complex_size(), 3 * 4 * 3);
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  std::vector<double> in(3 * 60);
  for (auto& v : in) v = normal(rng);
  std::copy(in.begin(), in.end(), plan.real());
  FftwPlan moved(std::move(plan));  // buffers and plans travel with the object
  moved.forward();
  // zero mode of configuration 1 is the sum of its values
  double sum1 = 0;
  for (int i = 0; i < 60; ++i) sum1 += in[60 + i];
  EXPECT_NEAR(moved.complex(1)[0][0], sum1, 1e-12);
  EXPECT_NEAR(moved.complex(1)[0][1], 0.0, 1e-12);
  moved.backward();
  for (int i = 0; i < 3 * 60; ++i) EXPECT_NEAR(moved.real()[i], 60 * in[i], 1e-11);
  EXPECT_THROW(FftwPlan({}, 1), RuntimeFailure);
  EXPECT_THROW(FftwPlan(ext, 0), RuntimeFailure);
}

TEST_P(Observables, TwoPointMatchesDirectSum) {
  const Geometry g(GetParam());
  const index_t V = g.volume(), n = 4;
  FieldHost host;
  const Field phi = random_field(g, n, 11, host);
  ScalarFieldObservables obs(g, n);
  const auto G = obs.two_point(phi, n);
  ASSERT_EQ(index_t(G.size()), n * V);
  for (index_t b = 0; b < n; ++b) {
    const auto Gd = direct_two_point(g, host, b);
    for (index_t x = 0; x < V; ++x)  // |G(x)| <= G(0)
      EXPECT_NEAR(G[b * V + x], Gd[x], 1e-12 * Gd[0]) << "config " << b << " site " << x;
  }
}

TEST_P(Observables, PowerSpectrumAndHalfGrid) {
  const Geometry g(GetParam());
  const index_t V = g.volume(), n = 3;
  FieldHost host;
  const Field phi = random_field(g, n, 12, host);
  ScalarFieldObservables obs(g, n);
  const index_t Vh = obs.half_volume();
  const int last = g.extent(g.dim() - 1);
  ASSERT_EQ(Vh, V / last * (last / 2 + 1));
  const auto P = obs.power_spectrum(phi, n);
  ASSERT_EQ(index_t(P.size()), n * Vh);
  index_t full = 0;
  for (index_t k = 0; k < Vh; ++k) {
    const auto mode = obs.half_grid_mode(k);
    const auto p = obs.half_grid_momentum(k);
    EXPECT_EQ(obs.half_grid_index(mode), k);
    auto minus = mode;
    for (int mu = 0; mu < g.dim(); ++mu) minus[mu] = -mode[mu];
    // -p: the same index unless it lies on a boundary plane of the half grid,
    // where it has its own index holding the same |phi~|^2
    const index_t k_minus = obs.half_grid_index(minus);
    const int n_last = mode[g.dim() - 1];
    if (n_last != 0 && 2 * n_last != last) {
      EXPECT_EQ(k_minus, k);
    }
    for (index_t b = 0; b < n; ++b)
      EXPECT_NEAR(P[b * Vh + k_minus], P[b * Vh + k], 1e-12 * (1 + P[b * Vh + k]));
    for (int mu = 0; mu < g.dim(); ++mu) {
      EXPECT_NEAR(p[mu], 2 * kPi * mode[mu] / g.extent(mu), 1e-15);
      EXPECT_LE(2 * std::abs(mode[mu]), g.extent(mu));
    }
    full += obs.half_grid_multiplicity(k);
    for (index_t b = 0; b < n; ++b) {
      const double direct = direct_power(g, host, b, p);
      EXPECT_NEAR(P[b * Vh + k], direct, 1e-11 * (1 + direct)) << "config " << b << " k " << k;
    }
  }
  EXPECT_EQ(full, V);  // the multiplicities cover the full grid
  for (index_t b = 0; b < n; ++b) {  // Parseval: sum_p |phi~|^2 = V sum_x phi^2
    double lhs = 0, rhs = 0;
    for (index_t k = 0; k < Vh; ++k) lhs += obs.half_grid_multiplicity(k) * P[b * Vh + k];
    for (index_t x = 0; x < V; ++x) rhs += V * host(b, x) * host(b, x);
    EXPECT_NEAR(lhs, rhs, 1e-12 * rhs);
  }
}

TEST_P(Observables, MeasureMatchesDefinitions) {
  const Geometry g(GetParam());
  const index_t V = g.volume(), n = 5;
  const int d = g.dim();
  FieldHost host;
  const Field phi = random_field(g, n + 1, 13, host);  // more rows than measured
  const BatchScalar S = random_action(n + 2, 14);
  auto S_h = Kokkos::create_mirror_view_and_copy(HostSpace(), S);
  ScalarFieldObservables obs(g, n);
  Measurement m;
  obs.measure(phi, n, S, m);

  const auto names = ScalarFieldObservables::names();
  ASSERT_EQ(names, (std::vector<std::string>{"M", "absM", "M2", "phi2", "action_density", "chi2",
                                             "E", "Gp1"}));
  const auto layout = ScalarFieldObservables::layout(g);
  ASSERT_EQ(layout.size(), 1u);
  EXPECT_EQ(layout[0].first, "C_t");
  EXPECT_EQ(layout[0].second, g.extent(0));
  ASSERT_EQ(m.scalars.size(), names.size());
  ASSERT_EQ(m.corrs.size(), 1u);
  for (const auto& s : m.scalars) ASSERT_EQ(index_t(s.size()), n);
  ASSERT_EQ(index_t(m.corrs[0].size()), n * g.extent(0));

  auto near = [](double a, double b, double scale) { return std::abs(a - b) <= 1e-12 * scale; };
  for (index_t b = 0; b < n; ++b) {
    double M = 0, phi2 = 0;
    for (index_t x = 0; x < V; ++x) {
      M += host(b, x);
      phi2 += host(b, x) * host(b, x);
    }
    phi2 /= double(V);
    const auto Gd = direct_two_point(g, host, b);
    double chi2 = 0;
    for (double v : Gd) chi2 += v;
    double E = 0;
    for (int mu = 0; mu < d; ++mu) E += Gd[g.shifted(0, mu, 1)];
    E /= d;
    double gp1 = 0;
    int directions = 0;
    for (int mu = 0; mu < d; ++mu) {
      if (g.extent(mu) == 1) continue;
      std::array<double, kMaxDim> p{0, 0, 0, 0};
      p[mu] = 2 * kPi / g.extent(mu);
      gp1 += direct_power(g, host, b, p) / double(V);
      ++directions;
    }
    gp1 /= directions;
    const double scale = phi2 * V;  // sum phi^2 bounds |M|^2/V, |G|, ...
    EXPECT_PRED3(near, m.scalars[0][b], M, std::sqrt(scale * V)) << "M " << b;
    EXPECT_EQ(m.scalars[1][b], std::abs(m.scalars[0][b]));
    EXPECT_PRED3(near, m.scalars[2][b], M * M, scale * V) << "M2 " << b;
    EXPECT_PRED3(near, m.scalars[3][b], phi2, phi2) << "phi2 " << b;
    EXPECT_PRED3(near, m.scalars[3][b], Gd[0], phi2) << "phi2 = G(0) " << b;
    EXPECT_PRED3(near, m.scalars[4][b], S_h(b) / double(V), std::abs(S_h(b)) / V) << "S/V " << b;
    EXPECT_PRED3(near, m.scalars[5][b], M * M / double(V), scale) << "chi2 " << b;
    EXPECT_PRED3(near, m.scalars[5][b], chi2, scale) << "chi2 = sum G " << b;
    EXPECT_PRED3(near, m.scalars[5][b], m.scalars[2][b] / double(V), scale) << "chi2 = M2/V";
    EXPECT_PRED3(near, m.scalars[6][b], E, phi2) << "E " << b;
    EXPECT_PRED3(near, m.scalars[7][b], gp1, scale) << "Gp1 " << b;
    for (int t = 0; t < g.extent(0); ++t) {
      double C = 0;
      for (index_t x = 0; x < V; ++x)
        if (g.coords(x)[0] == t) C += Gd[x];
      EXPECT_PRED3(near, m.corrs[0][b * g.extent(0) + t], C, scale) << "C(" << t << ") " << b;
    }
  }
}

TEST_P(Observables, SmallerBatchGivesTheSameNumbers) {
  const Geometry g(GetParam());
  const index_t V = g.volume(), max_batch = 6;
  FieldHost host;
  const Field phi = random_field(g, max_batch, 15, host);
  const BatchScalar S = random_action(max_batch, 16);
  ScalarFieldObservables obs(g, max_batch);
  Measurement full, part, empty;
  obs.measure(phi, max_batch, S, full);
  const auto G_full = obs.two_point(phi, max_batch);
  const auto P_full = obs.power_spectrum(phi, max_batch);
  for (index_t n : {index_t(3), index_t(1), max_batch, index_t(2)}) {
    obs.measure(phi, n, S, part);
    for (std::size_t i = 0; i < part.scalars.size(); ++i) {
      ASSERT_EQ(index_t(part.scalars[i].size()), n);
      for (index_t b = 0; b < n; ++b) EXPECT_EQ(part.scalars[i][b], full.scalars[i][b]);
    }
    ASSERT_EQ(index_t(part.corrs[0].size()), n * g.extent(0));
    for (index_t i = 0; i < n * g.extent(0); ++i) EXPECT_EQ(part.corrs[0][i], full.corrs[0][i]);
    const auto G = obs.two_point(phi, n);
    ASSERT_EQ(index_t(G.size()), n * V);
    for (index_t i = 0; i < n * V; ++i) EXPECT_EQ(G[i], G_full[i]);
    const auto P = obs.power_spectrum(phi, n);
    ASSERT_EQ(index_t(P.size()), n * obs.half_volume());
    for (index_t i = 0; i < n * obs.half_volume(); ++i) EXPECT_EQ(P[i], P_full[i]);
  }
  obs.measure(phi, 0, S, empty);
  ASSERT_EQ(empty.scalars.size(), ScalarFieldObservables::names().size());
  for (const auto& s : empty.scalars) EXPECT_TRUE(s.empty());
  EXPECT_TRUE(empty.corrs.at(0).empty());
  EXPECT_TRUE(obs.two_point(phi, 0).empty());
}

INSTANTIATE_TEST_SUITE_P(Lattices, Observables,
                         ::testing::Values(std::vector<int>{8, 8}, std::vector<int>{4, 6},
                                           std::vector<int>{3, 4, 5}, std::vector<int>{7},
                                           std::vector<int>{6}, std::vector<int>{5, 1},
                                           std::vector<int>{2, 3, 2, 3}));

TEST(Observables, RejectsBadArguments) {
  const Geometry g({4, 4});
  FieldHost host;
  const Field phi = random_field(g, 3, 17, host);
  const BatchScalar S = random_action(3, 18);
  Measurement m;
  ScalarFieldObservables obs(g, 2);
  EXPECT_THROW(obs.measure(phi, 3, S, m), RuntimeFailure);  // more than planned
  ScalarFieldObservables big(g, 4);
  EXPECT_THROW(big.measure(phi, 4, S, m), RuntimeFailure);  // more than the field holds
  const Field wrong("wrong", 2, 15);
  EXPECT_THROW(obs.two_point(wrong, 1), RuntimeFailure);
  EXPECT_THROW(ScalarFieldObservables(g, 0), RuntimeFailure);
}
