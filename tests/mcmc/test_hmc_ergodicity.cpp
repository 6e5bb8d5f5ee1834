// Validation of the HMC defaults at the free field, at lattices and masses
// chosen so that many modes have omega * tau near pi for the old default
// (fixed length 1): with the default trajectory-length distribution the
// chains match the exact propagator from cold and hot starts; with fixed
// lengths the same runs are biased, so the test has the power to see a
// non-ergodic sampler.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "chain_samples.hpp"
#include "flowlat/core/config.hpp"
#include "flowlat/mcmc/hmc_settings.hpp"
#include "flowlat/theory/phi4/free_field.hpp"
#include "flowlat/theory/phi4/phi4.hpp"
#include "test_fields.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

struct ResonantCase {
  std::vector<int> shape;
  double m2;
  bool hot;
};

std::ostream& operator<<(std::ostream& os, const ResonantCase& c) {
  os << "L";
  for (int l : c.shape) os << "_" << l;
  return os << " m2=" << c.m2 << (c.hot ? " hot" : " cold");
}

// Largest deviation, in standard errors, of phi^2, E and S/V from their
// exact values; `worst_relative_error` gets the largest relative error.
double worst_deviation(const Geometry& g, double m2, const ChainSamples& s,
                       double& worst_relative_error) {
  const std::array<int, kMaxDim> origin{0, 0, 0, 0};
  const std::pair<const char*, double> checks[] = {
      {"phi2", free_field::propagator(g, m2, origin)},
      {"E", free_field::ising_energy(g, m2)},
      {"action_density", 0.5}};
  double worst = 0;
  worst_relative_error = 0;
  for (const auto& [name, exact] : checks) {
    const GammaResult r = s.gamma(name);
    const double sigmas = std::abs(r.mean - exact) / r.error;
    std::printf("    %-15s %.8f +- %.8f (tau_int %.2f)  exact %.6f  %+.1f sigma\n", name, r.mean,
                r.error, r.tau_int, exact, (r.mean - exact) / r.error);
    worst = std::max(worst, sigmas);
    worst_relative_error = std::max(worst_relative_error, r.error / std::abs(exact));
  }
  return worst;
}

ChainSamples run(const ResonantCase& c, const Config& config) {
  const Geometry g(c.shape);
  const Phi4 theory(g, c.m2, 0.0);
  const HmcSettings settings = hmc_settings(config);
  const index_t chains = 64;
  Hmc hmc(theory, settings.integrator, std::uint64_t(config.get_int("run.seed")), 0, chains,
          settings.lengths);
  const Field start = c.hot ? random_field(chains, g.volume(), 41) : Field();
  return sample_chains(theory, hmc, chains, 100, 800, 1, false, start);
}

}  // namespace

class ResonantFreeField : public ::testing::TestWithParam<ResonantCase> {};

TEST_P(ResonantFreeField, DefaultHmcMatchesExactAndFixedLengthDoesNot) {
  const ResonantCase c = GetParam();
  const Geometry g(c.shape);
  Config config;  // the defaults a user runs with; only the physics point is set
  std::printf("  default hmc (length_distribution = %s):\n",
              config.get_string("hmc.length_distribution").c_str());
  double rel = 0;
  const double dev = worst_deviation(g, c.m2, run(c, config), rel);
  EXPECT_LT(dev, 4.0) << "default HMC disagrees with the exact free field";
  EXPECT_LT(rel, 0.01) << "not enough statistics";

  config.set("hmc.length_distribution", "fixed");
  std::printf("  hmc.length_distribution = fixed:\n");
  double rel_fixed = 0;
  const double dev_fixed = worst_deviation(g, c.m2, run(c, config), rel_fixed);
  // the non-ergodic sampler is caught by the same comparison
  EXPECT_GT(dev_fixed, 8.0) << "the resonance this case was chosen for is not seen";
}

INSTANTIATE_TEST_SUITE_P(Resonances, ResonantFreeField,
                         ::testing::Values(ResonantCase{{4, 4}, 1.0, false},
                                           ResonantCase{{4, 4}, 1.0, true},
                                           ResonantCase{{12, 12}, 0.7, false},
                                           ResonantCase{{12, 12}, 0.7, true},
                                           ResonantCase{{8, 8}, 0.93, false},
                                           ResonantCase{{4, 4, 4}, 1.0, true}));
