// Validation at the tutorial point L = 8, m^2 = -4, lambda = 8: HMC and the
// independent checkerboard Metropolis agree on <|M|>/V, chi_2 and E.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "chain_samples.hpp"
#include "flowlat/mcmc/hmc.hpp"
#include "flowlat/mcmc/local_metropolis.hpp"
#include "flowlat/theory/phi4.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

TEST(InteractingPoint, HmcAgreesWithLocalMetropolis) {
  const Geometry g({8, 8});
  const Phi4 theory(g, -4.0, 8.0);
  const index_t chains = 32;
  Hmc hmc(theory, MdIntegrator(IntegratorKind::Omelyan, 10, 1.0), 11, 0, chains);
  LocalMetropolis metropolis(theory, 1.5, 1, 12, 0, chains);
  const auto a = sample_chains(theory, hmc, chains, 200, 1500, 1, false);
  const auto b = sample_chains(theory, metropolis, chains, 500, 1500, 4, false);
  const double V = double(g.volume());
  for (const char* name : {"absM", "chi2", "E", "phi2"}) {
    const auto ra = a.gamma(name), rb = b.gamma(name);
    const double scale = std::string(name) == "absM" ? 1.0 / V : 1.0;
    const double sigma = std::hypot(ra.error, rb.error);
    std::printf("  %-5s HMC %.5f +- %.5f (tau %.1f)  Metropolis %.5f +- %.5f (tau %.1f)  %+.2f sigma\n",
                name, ra.mean * scale, ra.error * scale, ra.tau_int, rb.mean * scale,
                rb.error * scale, rb.tau_int, (ra.mean - rb.mean) / sigma);
    EXPECT_LT(std::abs(ra.mean - rb.mean), 4 * sigma) << name;
    // enough statistics that a wrong factor in either sampler shows up
    EXPECT_LT(sigma, 0.02 * std::abs(ra.mean)) << name;
  }
}
