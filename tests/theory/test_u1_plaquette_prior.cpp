// The plaquette prior of 2D U(1) flows (flow.prior = plaquette): every
// plaquette but the last is the von Mises draw its counters give (so the
// link construction is right), the drawn plaquettes have the von Mises
// moments, the log density is gauge invariant and its gradient matches
// central differences, and anything but 2D is refused.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "flow/flow_test_support.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/von_mises.hpp"
#include "flowlat/theory/u1/u1.hpp"
#include "flowlat/theory/u1/u1_exact.hpp"
#include "flowlat/theory/u1/u1_plaquette_prior.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

const double two_pi = 2 * M_PI;

double plaquette(const Geometry& g, const FieldHost& t, index_t b, index_t x) {
  const index_t V = g.volume();
  return t(b, x) + t(b, V + g.shifted(x, 0, 1)) - t(b, g.shifted(x, 1, 1)) - t(b, V + x);
}

std::vector<double> log_densities(const U1PlaquettePrior& prior, const Field& z, index_t n) {
  BatchScalar r("r", n);
  prior.log_density(z, n, r);
  return to_host(r);
}

}  // namespace

// Plaquette x of config b is the von Mises draw at its counters, bit for bit
// up to the wrap; a non-square lattice and a nonzero first element / stream.
TEST(U1PlaquettePrior, PlaquettesAreTheirDraws) {
  const Geometry g({6, 10});
  const double beta = 3.0;
  const U1PlaquettePrior prior(g, beta);
  const index_t n = 4, V = g.volume();
  Field z("z", n, 2 * V);
  const std::uint64_t seed = 99, first_element = 7 * 2 * V;
  const std::int64_t first_stream = 5;
  prior.draw(z, n, seed, first_stream, RandomPurpose::FlowPrior, 11, first_element);
  const auto h = to_host(z);
  double worst = 0;
  for (index_t b = 0; b < n; ++b) {
    const CounterRng rng(seed, std::uint32_t(first_stream + b));
    for (index_t x = 0; x + 1 < V; ++x) {
      const std::uint32_t index0 = std::uint32_t(first_element + x) * 65;
      double u_sign, u_flat;
      rng.uniform2(RandomPurpose::FlowPrior, 11, index0, u_sign, u_flat);
      const VonMisesDraw d =
          von_mises(rng, RandomPurpose::FlowPrior, 11, index0, beta, u_sign, u_flat, 64);
      ASSERT_GT(d.trials, 0);
      worst = std::max(worst, std::abs(std::remainder(plaquette(g, h, b, x) - d.psi, two_pi)));
    }
    for (index_t l = 0; l < 2 * V; ++l) {
      ASSERT_GE(h(b, l), 0.0);
      ASSERT_LT(h(b, l), two_pi);
    }
  }
  EXPECT_LT(worst, 1e-12);
}

// <cos>, <cos 2 theta> and <sin> of the drawn plaquettes against the von
// Mises values I1/I0, I2/I0 and 0, within 5 standard errors of 64 x 255 draws.
TEST(U1PlaquettePrior, DrawnPlaquettesHaveTheVonMisesMoments) {
  const Geometry g({16, 16});
  const double beta = 7.0;
  const U1PlaquettePrior prior(g, beta);
  const index_t n = 64, V = g.volume();
  Field z("z", n, 2 * V);
  prior.draw(z, n, 2024, 0, RandomPurpose::FlowPrior, 0);
  const auto h = to_host(z);
  double c = 0, c2 = 0, s = 0, cc = 0;
  long long N = 0;
  for (index_t b = 0; b < n; ++b)
    for (index_t x = 0; x + 1 < V; ++x, ++N) {
      const double p = plaquette(g, h, b, x);
      c += std::cos(p);
      cc += std::cos(p) * std::cos(p);
      c2 += std::cos(2 * p);
      s += std::sin(p);
    }
  const double i0 = u1_exact::bessel_i(0, beta), i1 = u1_exact::bessel_i(1, beta),
               i2 = u1_exact::bessel_i(2, beta);
  const double mean_c = i1 / i0, var_c = (1 + i2 / i0) / 2 - mean_c * mean_c;
  EXPECT_NEAR(c / N, mean_c, 5 * std::sqrt(var_c / N));
  EXPECT_NEAR(cc / N, (1 + i2 / i0) / 2, 5 * std::sqrt(1.0 / N) * 0.5);
  EXPECT_NEAR(c2 / N, i2 / i0, 5 * std::sqrt(1.0 / N));
  EXPECT_NEAR(s / N, 0.0, 5 * std::sqrt((1 - (1 + i2 / i0) / 2) / N));
}

TEST(U1PlaquettePrior, LogDensityIsGaugeInvariantAndItsGradientMatchesDifferences) {
  const Geometry g({4, 6});
  const U1 theory(g, 2.5);
  const U1PlaquettePrior prior(g, 2.5);
  const index_t n = 3, V = g.volume(), dof = 2 * V;
  const Field z = uniform_links(n, dof, 17);
  const auto r0 = log_densities(prior, z, n);

  // gauge invariance
  Field moved("moved", n, dof), alpha = uniform_links(n, V, 5);
  Kokkos::deep_copy(moved, z);
  theory.gauge_transform(moved, n, alpha);
  const auto r1 = log_densities(prior, moved, n);
  for (index_t b = 0; b < n; ++b) EXPECT_NEAR(r1[b], r0[b], 1e-11);

  // the gradient (grad_log_r = 1) against central differences of log r
  BatchScalar ones("ones", n);
  Kokkos::deep_copy(ones, 1.0);
  Field grad("grad", n, dof);
  prior.log_density_gradient(z, n, ones, grad);
  const auto gh = to_host(grad);
  const double h = 1e-6;
  double worst = 0;
  for (index_t l = 0; l < dof; ++l) {
    double fd[2][8];
    for (int sign : {0, 1}) {
      auto shifted = to_host(z);
      for (index_t b = 0; b < n; ++b) shifted(b, l) += sign ? h : -h;
      Field dev("shifted", n, dof);
      Kokkos::deep_copy(dev, shifted);
      const auto r = log_densities(prior, dev, n);
      for (index_t b = 0; b < n; ++b) fd[sign][b] = r[b];
    }
    for (index_t b = 0; b < n; ++b)
      worst = std::max(worst, std::abs((fd[1][b] - fd[0][b]) / (2 * h) - gh(b, l)));
  }
  EXPECT_LT(worst, 1e-7);
}

TEST(U1PlaquettePrior, OnlyTwoDimensions) {
  try {
    const U1PlaquettePrior prior(Geometry({4, 4, 4}), 1.0);
    FAIL() << "a 3D lattice was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("flow.prior"), std::string::npos) << e.what();
  }
}

// With the plaquette prior the NCP couplings start as the identity: the
// untrained flow maps z to itself and its log q is the prior's log density.
TEST(U1PlaquettePrior, TheUntrainedFlowIsThePrior) {
  const Geometry g({8, 8});
  const U1 theory(g, 4.0);
  FlowArchitecture a;
  a.n_layers = 4;
  a.coupling_type = "ncp";
  a.coupling.hidden = {4, 4};
  a.prior = "plaquette";
  const index_t n = 6, dof = theory.dof();
  Flow flow(theory, a, n);
  flow.initialize(5);
  Field z("z", n, dof), phi("phi", n, dof);
  flow.prior().draw(z, n, 8, 0, RandomPurpose::FlowPrior, 0);
  BatchScalar log_q("log_q", n);
  flow.forward(z, n, phi, log_q);
  const auto zh = to_host(z), ph = to_host(phi);
  double worst = 0;
  for (index_t b = 0; b < n; ++b)
    for (index_t l = 0; l < dof; ++l)
      worst = std::max(worst, std::abs(std::remainder(ph(b, l) - zh(b, l), two_pi)));
  EXPECT_LT(worst, 1e-12);
  const U1PlaquettePrior prior(g, 4.0);
  const auto r = log_densities(prior, z, n);
  const auto q = Kokkos::create_mirror_view_and_copy(HostSpace(), log_q);
  for (index_t b = 0; b < n; ++b) EXPECT_NEAR(q(b), r[b], 1e-9 * std::abs(r[b]));
}
