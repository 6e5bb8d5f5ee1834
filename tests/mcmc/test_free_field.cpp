// Validation: HMC at the free field (lambda = 0, m^2 > 0) against the exact
// lattice propagator on two lattices: <phi^2>, G(x), chi_2, E, G~(p_1), each
// within 4 Gamma-method standard errors, with relative errors <= 1%.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "chain_samples.hpp"
#include "flowlat/mcmc/hmc.hpp"
#include "flowlat/theory/phi4/free_field.hpp"
#include "flowlat/theory/phi4/phi4.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

void expect_exact(const std::string& what, const GammaResult& r, double exact,
                  double max_relative_error) {
  std::printf("  %-12s %.6f +- %.6f (tau_int %.2f)   exact %.6f   (%+.2f sigma)\n", what.c_str(),
              r.mean, r.error, r.tau_int, exact, (r.mean - exact) / r.error);
  EXPECT_GT(r.error, 0.0) << what;
  EXPECT_LT(std::abs(r.mean - exact), 4 * r.error) << what;
  EXPECT_LT(r.error, max_relative_error * std::abs(exact)) << what << ": not enough statistics";
}

struct FreeFieldCase {
  std::vector<int> shape;
  double m2;
};

}  // namespace

class FreeField : public ::testing::TestWithParam<FreeFieldCase> {};

TEST_P(FreeField, HmcMatchesExactPropagator) {
  const auto [shape, m2] = GetParam();
  const Geometry g(shape);
  const Phi4 theory(g, m2, 0.0);
  // mean trajectory length pi/(2 omega_0), omega_0 = sqrt(2 m^2): the zero
  // mode (which carries chi_2) decorrelates in about one trajectory; the
  // default uniform lengths keep modes with omega tau near k pi from freezing.
  const double length = 0.5 * M_PI / std::sqrt(2 * m2);
  const index_t chains = 64;
  Hmc hmc(theory, MdIntegrator(IntegratorKind::Omelyan, 8, length), 2024, 0, chains);
  const auto s = sample_chains(theory, hmc, chains, 50, 1400, 1, true);

  const double chi2 = free_field::susceptibility(m2);
  expect_exact("chi2", s.gamma("chi2"), chi2, 0.01);
  expect_exact("phi2", s.gamma("phi2"), free_field::propagator(g, m2, {0, 0, 0, 0}), 0.01);
  expect_exact("E", s.gamma("E"), free_field::ising_energy(g, m2), 0.01);
  // G~ at the smallest momentum, averaged over directions: tests the FFT path
  double gp1 = 0;
  for (int mu = 0; mu < g.dim(); ++mu) {
    std::array<int, kMaxDim> n{0, 0, 0, 0};
    n[mu] = 1;
    gp1 += free_field::momentum_power(g, m2, n) / double(g.volume()) / g.dim();
  }
  expect_exact("Gp1", s.gamma("Gp1"), gp1, 0.01);
  const auto G = free_field::propagator_all(g, m2);
  for (index_t x = 0; x < g.volume(); ++x) {
    const auto c = g.coords(x);
    // every site would repeat the test many times over; take the axis and a diagonal
    bool on_axis_or_diagonal = true;
    for (int mu = 1; mu < g.dim(); ++mu) on_axis_or_diagonal &= (c[mu] == 0 || c[mu] == c[0]);
    if (!on_axis_or_diagonal) continue;
    const auto r = gamma_method(s.two_point[x]);
    EXPECT_LT(std::abs(r.mean - G[x]), 4 * r.error) << "G at site " << x;
    EXPECT_LT(r.error, 0.01 * std::abs(G[0])) << "G at site " << x;
  }
  // action density: <S>/V = 1/2 exactly (equipartition)
  expect_exact("S/V", s.gamma("action_density"), 0.5, 0.01);
}

INSTANTIATE_TEST_SUITE_P(Lattices, FreeField,
                         ::testing::Values(FreeFieldCase{{8, 8}, 0.5},
                                           FreeFieldCase{{6, 10}, 0.3},
                                           FreeFieldCase{{4, 4, 6}, 0.8}));
