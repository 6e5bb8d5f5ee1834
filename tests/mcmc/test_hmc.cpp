// HMC: reversibility of the MD integrators, dH ~ eps^2 (leapfrog) and smaller
// for Omelyan, <exp(-dH)> = 1, and chain histories independent of batching.
#include <gtest/gtest.h>

#include <cmath>

#include "flowlat/mcmc/hmc.hpp"
#include "flowlat/theory/phi4/phi4.hpp"
#include "test_fields.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

// Equilibrated configurations at the tutorial point (L = 8, m2 = -4, lambda = 8).
Field equilibrated(const Phi4& theory, index_t n, int trajectories) {
  Field phi = random_field(n, theory.dof(), 17, 0.5);
  Hmc hmc(theory, MdIntegrator(IntegratorKind::Omelyan, 20, 1.0), 99, 0, n);
  std::vector<BatchScalar> reals{BatchScalar("dH", n)};
  std::vector<BatchFlags> flags{BatchFlags("acc", n)};
  for (int t = 0; t < trajectories; ++t) hmc.update(phi, n, t, reals, flags);
  return phi;
}

// RMS of dH over a batch for one trajectory of length 1 with `steps` steps.
double rms_dH(const Phi4& theory, const Field& start, index_t n, IntegratorKind kind, int steps) {
  Field phi("phi", n, theory.dof());
  Kokkos::deep_copy(phi, start);
  Hmc hmc(theory, MdIntegrator(kind, steps, 1.0), 5, 0, n);
  Field p("p", n, theory.dof()), force("force", n, theory.dof());
  hmc.draw_momenta(p, n, 0);
  BatchScalar H0("H0", n), H1("H1", n);
  hmc.hamiltonian(phi, p, n, H0);
  hmc.integrator().integrate(theory, phi, p, force, n);
  hmc.hamiltonian(phi, p, n, H1);
  const auto h0 = to_host(H0), h1 = to_host(H1);
  double s = 0;
  for (index_t b = 0; b < n; ++b) s += (h1[b] - h0[b]) * (h1[b] - h0[b]);
  return std::sqrt(s / n);
}

}  // namespace

class Integrators : public ::testing::TestWithParam<IntegratorKind> {};

TEST_P(Integrators, ReversibleToRoundOff) {
  const Geometry g({8, 8});
  const Phi4 theory(g, -4.0, 8.0);
  const index_t n = 4;
  const Field start = equilibrated(theory, n, 20);
  Field phi("phi", n, g.volume()), p = random_field(n, g.volume(), 3), force("f", n, g.volume());
  Kokkos::deep_copy(phi, start);
  const MdIntegrator md(GetParam(), 20, 1.0);
  md.integrate(theory, phi, p, force, n);
  // the trajectory really went somewhere before it came back
  const auto there = to_host(phi), orig = to_host(start);
  double moved = 0;
  for (index_t b = 0; b < n; ++b)
    for (index_t x = 0; x < g.volume(); ++x) moved = std::max(moved, std::abs(there(b, x) - orig(b, x)));
  EXPECT_GT(moved, 0.1);
  auto ph = to_host(p);
  for (index_t b = 0; b < n; ++b)
    for (index_t x = 0; x < g.volume(); ++x) ph(b, x) = -ph(b, x);
  Kokkos::deep_copy(p, ph);
  md.integrate(theory, phi, p, force, n);
  const auto back = to_host(phi);
  double worst = 0;
  for (index_t b = 0; b < n; ++b)
    for (index_t x = 0; x < g.volume(); ++x) worst = std::max(worst, std::abs(back(b, x) - orig(b, x)));
  EXPECT_LT(worst, 1e-10);
}

INSTANTIATE_TEST_SUITE_P(Kinds, Integrators,
                         ::testing::Values(IntegratorKind::Leapfrog, IntegratorKind::Omelyan));

TEST(Hmc, EnergyViolationScalesAsEpsilonSquared) {
  const Geometry g({8, 8});
  const Phi4 theory(g, -4.0, 8.0);
  const index_t n = 64;
  const Field start = equilibrated(theory, n, 30);
  for (auto kind : {IntegratorKind::Leapfrog, IntegratorKind::Omelyan}) {
    const double coarse = rms_dH(theory, start, n, kind, 40);
    const double fine = rms_dH(theory, start, n, kind, 80);
    const double finer = rms_dH(theory, start, n, kind, 160);
    // second order: halving eps divides dH by 4
    EXPECT_NEAR(coarse / fine, 4.0, 0.3) << "kind " << int(kind);
    EXPECT_NEAR(fine / finer, 4.0, 0.2) << "kind " << int(kind);
  }
  // At equal cost (Omelyan: 2 force evaluations per step) Omelyan is more accurate.
  const double leapfrog = rms_dH(theory, start, n, IntegratorKind::Leapfrog, 40);
  const double omelyan = rms_dH(theory, start, n, IntegratorKind::Omelyan, 20);
  EXPECT_LT(omelyan, 0.5 * leapfrog);
  EXPECT_EQ(MdIntegrator(IntegratorKind::Leapfrog, 40, 1.0).force_evaluations(), 41);
  EXPECT_EQ(MdIntegrator(IntegratorKind::Omelyan, 20, 1.0).force_evaluations(), 41);
}

// Randomised lengths: uniform on (0, 2 tau), integrated with steps no longer
// than the nominal one, drawn the same on every rank.
TEST(Hmc, UniformTrajectoryLengths) {
  const Geometry g({4, 4});
  const Phi4 theory(g, 1.0, 0.0);
  const MdIntegrator md(IntegratorKind::Omelyan, 10, 1.0);
  EXPECT_EQ(md.steps_for(1.0), 10);
  EXPECT_EQ(md.steps_for(0.3), 3);
  EXPECT_EQ(md.steps_for(0.31), 4);
  EXPECT_EQ(md.steps_for(1e-9), 1);
  EXPECT_EQ(md.steps_for(2.0), 20);
  const Hmc a(theory, md, 3, 0, 1), b(theory, md, 3, 5, 1);
  const Hmc fixed(theory, md, 3, 0, 1, LengthDistribution::Fixed);
  double sum = 0, lo = 1e9, hi = 0;
  const int n = 20000;
  for (int t = 0; t < n; ++t) {
    const double len = a.trajectory_length(std::uint32_t(t));
    EXPECT_EQ(len, b.trajectory_length(std::uint32_t(t)));  // not per chain or rank
    EXPECT_EQ(fixed.trajectory_length(std::uint32_t(t)), 1.0);
    sum += len, lo = std::min(lo, len), hi = std::max(hi, len);
  }
  // uniform on (0, 2): mean 1 with standard error sqrt(1/3)/sqrt(n)
  EXPECT_LT(std::abs(sum / n - 1.0), 4 * std::sqrt(1.0 / 3.0 / n));
  EXPECT_GT(lo, 0.0);
  EXPECT_LT(lo, 0.01);
  EXPECT_LT(hi, 2.0);
  EXPECT_GT(hi, 1.99);
}

// A trajectory of k * eps is exactly k nominal steps: the merged-kick
// integration of a random length equals the fixed integrator with k steps.
TEST(Hmc, RandomLengthIntegratesLikeFixedSteps) {
  const Geometry g({6, 6});
  const Phi4 theory(g, -4.0, 8.0);
  const Field start = random_field(2, g.volume(), 5, 0.5), p0 = random_field(2, g.volume(), 6);
  for (auto kind : {IntegratorKind::Leapfrog, IntegratorKind::Omelyan}) {
    Field a("a", 2, g.volume()), b("b", 2, g.volume()), pa("pa", 2, g.volume()),
        pb("pb", 2, g.volume()), force("f", 2, g.volume());
    Kokkos::deep_copy(a, start), Kokkos::deep_copy(b, start);
    Kokkos::deep_copy(pa, p0), Kokkos::deep_copy(pb, p0);
    MdIntegrator(kind, 10, 1.0).integrate(theory, a, pa, force, 2, 0.7);
    MdIntegrator(kind, 7, 0.7).integrate(theory, b, pb, force, 2);
    const auto ha = to_host(a), hb = to_host(b);
    for (index_t x = 0; x < g.volume(); ++x) EXPECT_NEAR(ha(1, x), hb(1, x), 1e-13);
  }
}

// Area preservation + reversibility imply <exp(-dH)> = 1 in equilibrium.
TEST(Hmc, ExpMinusDeltaHAveragesToOne) {
  const Geometry g({8, 8});
  // A mildly coupled point: dH has no heavy tail from near-unstable
  // trajectories, so its mean is well estimated at ~70% acceptance.
  const Phi4 theory(g, -1.0, 0.5);
  const index_t n = 64;
  Field phi = equilibrated(theory, n, 50);
  // a coarse step so that dH is O(1) and the test has power
  Hmc hmc(theory, MdIntegrator(IntegratorKind::Leapfrog, 6, 1.0), 123, 0, n);
  std::vector<BatchScalar> reals{BatchScalar("dH", n)};
  std::vector<BatchFlags> flags{BatchFlags("acc", n)};
  const int T = 200;
  std::vector<double> chain_mean(n, 0.0);
  double acc = 0, dh2 = 0;
  for (int t = 0; t < T; ++t) {
    hmc.update(phi, n, 1000 + t, reals, flags);
    const auto dH = to_host(reals[0]);
    auto a = Kokkos::create_mirror_view_and_copy(HostSpace(), flags[0]);
    for (index_t b = 0; b < n; ++b) {
      chain_mean[b] += std::exp(-dH[b]) / T;
      acc += a(b);
      dh2 += dH[b] * dH[b];
    }
  }
  // chains are independent: the spread of chain means gives the error
  double mean = 0, var = 0;
  for (double m : chain_mean) mean += m / n;
  for (double m : chain_mean) var += (m - mean) * (m - mean) / (n - 1);
  const double err = std::sqrt(var / n);
  const double acceptance = acc / (double(n) * T);
  std::printf("<exp(-dH)> = %.5f +- %.5f, acceptance %.3f, <dH^2> = %.3f\n", mean, err, acceptance,
              dh2 / (double(n) * T));
  EXPECT_LT(acceptance, 0.95);  // otherwise the check has no power
  EXPECT_GT(err, 0.0);
  EXPECT_LT(std::abs(mean - 1.0), 4 * err);
  EXPECT_LT(err, 0.02);
}

// A chain's history depends only on (seed, global chain id), not on which
// batch or rank it is part of: the basis of rank-count independence.
TEST(Hmc, ChainHistoryIndependentOfBatching) {
  const Geometry g({6, 6});
  const Phi4 theory(g, -4.0, 8.0);
  const Field start = random_field(4, g.volume(), 8);
  Field all("all", 4, g.volume());
  Kokkos::deep_copy(all, start);
  Hmc whole(theory, MdIntegrator(IntegratorKind::Omelyan, 5, 1.0), 7, 0, 4);
  Hmc tail(theory, MdIntegrator(IntegratorKind::Omelyan, 5, 1.0), 7, 2, 2);
  Field part("part", 2, g.volume());
  Kokkos::deep_copy(part, Kokkos::subview(start, std::make_pair(2, 4), Kokkos::ALL));
  std::vector<BatchScalar> r4{BatchScalar("dH", 4)}, r2{BatchScalar("dH", 2)};
  std::vector<BatchFlags> f4{BatchFlags("a", 4)}, f2{BatchFlags("a", 2)};
  for (int t = 0; t < 10; ++t) {
    whole.update(all, 4, t, r4, f4);
    tail.update(part, 2, t, r2, f2);
  }
  const auto a = to_host(all), p = to_host(part);
  for (index_t x = 0; x < g.volume(); ++x) {
    EXPECT_EQ(a(2, x), p(0, x));
    EXPECT_EQ(a(3, x), p(1, x));
  }
}
