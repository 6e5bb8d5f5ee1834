// Validation of the U(1) chains at their defaults against the exact torus
// results (L = 8, beta = 2): HMC with the default [hmc] keys and the heat
// bath with its default over-relaxation, from cold and hot starts.
#include <gtest/gtest.h>

#include "chain_samples.hpp"
#include "flowlat/core/config.hpp"
#include "flowlat/mcmc/hmc_settings.hpp"
#include "flowlat/theory/u1/u1.hpp"
#include "u1_exact_point.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {
Config u1_defaults() { return Config("u1"); }
}  // namespace

TEST(U1ExactPoint, HmcAtItsDefaults) {
  const Config config = u1_defaults();
  const U1 theory(Geometry({kU1L, kU1L}), kU1Beta);
  const HmcSettings settings = hmc_settings(config);
  const index_t chains = 8;
  Hmc hmc(theory, settings.integrator, 31, 0, chains, settings.lengths);
  const auto s = sample_chains(theory, hmc, chains, 100, 2500, 1, false);
  expect_u1_exact_point("HMC", s.gamma("plaquette"), s.gamma("Q2"));
}

TEST(U1ExactPoint, HeatBathAtItsDefaults) {
  const Config config = u1_defaults();
  const U1 theory(Geometry({kU1L, kU1L}), kU1Beta);
  const index_t chains = 8;
  const auto update = theory.local_update(config, 47, 0, chains);
  const auto s = sample_chains(theory, *update, chains, 50, 2000, 1, false);
  expect_u1_exact_point("heat bath", s.gamma("plaquette"), s.gamma("Q2"));
  // every chain's trials per link: Best-Fisher accepts more than half the time
  for (const auto& chain : s.acceptance)
    for (double t : chain) {
      EXPECT_GE(t, 1.0);
      EXPECT_LT(t, 2.0);
    }
}

// A hot (Haar-random) start must reach the same equilibrium.
TEST(U1ExactPoint, HeatBathFromAHotStart) {
  const Config config = u1_defaults();
  const U1 theory(Geometry({kU1L, kU1L}), kU1Beta);
  const index_t chains = 8;
  Field start("start", chains, theory.dof());
  theory.hot_start(start, chains, 5, 0);
  const auto update = theory.local_update(config, 48, 0, chains);
  const auto s = sample_chains(theory, *update, chains, 50, 2000, 1, false, start);
  expect_u1_exact_point("heat bath, hot", s.gamma("plaquette"), s.gamma("Q2"));
}
