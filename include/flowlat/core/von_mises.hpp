// Draws from the von Mises distribution exp(kappa cos psi) / (2 pi I0(kappa))
// on the circle by Best & Fisher's (1979) rejection from a wrapped-Cauchy
// envelope (acceptance >= 0.66 at every kappa), on counter-based uniforms:
// the U(1) heat bath's link update and the plaquette prior of U(1) flows.
#pragma once
#include "flowlat/core/math.hpp"
#include "flowlat/core/philox.hpp"
#include "flowlat/core/types.hpp"

namespace flowlat {

struct VonMisesDraw {
  real_t psi;  // in [-pi, pi]
  int trials;  // 1..max_trials; 0: every trial was rejected (psi unset)
};

// Trial t = 1, 2, ... draws its two uniforms at (purpose, step, index0 + t);
// the sign of psi comes from u_sign (a uniform the caller drew elsewhere).
// kappa < 1e-8 is the flat distribution, from u_flat. With max_trials = 64
// the chance that all trials fail is below 2^-64.
KOKKOS_INLINE_FUNCTION VonMisesDraw von_mises(const CounterRng& rng, RandomPurpose purpose,
                                              std::uint32_t step, std::uint32_t index0,
                                              real_t kappa, real_t u_sign, real_t u_flat,
                                              int max_trials) {
  if (kappa < 1e-8) return {2 * math::pi * u_flat - math::pi, 1};
  const real_t tau = 1 + math::sqrt(1 + 4 * kappa * kappa);
  const real_t rho = (tau - math::sqrt(2 * tau)) / (2 * kappa);
  const real_t r = (1 + rho * rho) / (2 * rho);
  for (int trial = 1; trial <= max_trials; ++trial) {
    real_t u1, u2;
    rng.uniform2(purpose, step, index0 + std::uint32_t(trial), u1, u2);
    const real_t z = math::cos(math::pi * u1);
    const real_t f = (1 + r * z) / (r + z);
    const real_t c = kappa * (r - f);
    if (c * (2 - c) - u2 > 0 || math::log(c / u2) + 1 - c >= 0)
      return {(u_sign < 0.5 ? -1 : 1) * math::acos(f < -1 ? -1 : (f > 1 ? 1 : f)), trial};
  }
  return {0, 0};
}

}  // namespace flowlat
