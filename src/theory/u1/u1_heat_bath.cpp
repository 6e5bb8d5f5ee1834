// U(1) heat bath and over-relaxation on checkerboarded links.
#include "flowlat/theory/u1/u1_heat_bath.hpp"

#include "flowlat/core/error.hpp"
#include "flowlat/core/philox.hpp"
#include "flowlat/core/von_mises.hpp"
#include "flowlat/theory/u1/u1_plaquette.hpp"

namespace flowlat {

namespace {
// Rejection trials before giving up on a link (each trial accepts with
// probability > 0.5 at any kappa, so this is never reached in practice).
constexpr int kMaxTrials = 64;
}  // namespace

U1HeatBath::U1HeatBath(const U1& theory, int overrelaxation, std::uint64_t seed,
                       std::int64_t first_chain, index_t capacity)
    : theory_(theory),
      overrelaxation_(overrelaxation),
      seed_(seed),
      first_chain_(first_chain),
      trials_("u1.heat_bath.trials", capacity) {
  if (!theory.geometry().checkerboard_ok())
    throw InputError("lattice.shape: the U(1) heat bath updates links on a checkerboard and "
                     "needs even extents, got " +
                     theory.geometry().shape_string());
}

void U1HeatBath::half_sweep(const Field& theta, index_t n, std::uint32_t sweep, int mu, int parity,
                            bool overrelax) {
  const Geometry& g = theory_.geometry();
  const auto fwd = g.forward(), bwd = g.backward(), parity_sites = g.sites_of_parity();
  const index_t half = g.sites_per_parity(), V = g.volume();
  const int d = g.dim();
  const real_t beta = theory_.beta();
  const std::uint64_t seed = seed_;
  const std::int64_t first = first_chain_;
  const auto trials = trials_;
  Kokkos::parallel_for(
      "u1.heat_bath", Kokkos::RangePolicy<ExecSpace>(0, n * half), KOKKOS_LAMBDA(index_t i) {
        const index_t b = i / half;
        const index_t x = parity_sites(parity, i % half);
        // sum over the 2(d-1) plaquettes holding theta_mu(x) of e^{i (theta_P - theta_mu(x))}
        // with the sign the link enters: K e^{i phi}
        real_t re = 0, im = 0;
        for (int nu = 0; nu < d; ++nu) {
          if (nu == mu) continue;
          const real_t a = theta(b, nu * V + fwd(x, mu)) - theta(b, mu * V + fwd(x, nu)) -
                           theta(b, nu * V + x);
          const index_t y = bwd(x, nu);
          const real_t c = theta(b, mu * V + y) + theta(b, nu * V + fwd(y, mu)) -
                           theta(b, nu * V + y);
          re += math::cos(a) + math::cos(c);
          im += math::sin(a) - math::sin(c);
        }
        const real_t phi = math::atan2(im, re);
        const index_t link = mu * V + x;
        if (overrelax) {  // cos(theta + phi) is unchanged
          theta(b, link) = u1::wrap_positive(-2 * phi - theta(b, link));
          return;
        }
        const real_t kappa = beta * math::sqrt(re * re + im * im);
        const CounterRng rng(seed, std::uint32_t(first + b));
        real_t u_sign, u_unused;
        rng.uniform2(RandomPurpose::LocalProposal, sweep, std::uint32_t(link * (kMaxTrials + 1)),
                     u_sign, u_unused);
        // trial t at index link (kMaxTrials + 1) + t; index link (kMaxTrials + 1) is
        // the sign's (and the flat case's) uniform
        const VonMisesDraw draw =
            von_mises(rng, RandomPurpose::LocalProposal, sweep,
                      std::uint32_t(link * (kMaxTrials + 1)), kappa, u_sign, u_unused, kMaxTrials);
        real_t psi = draw.psi;
        int trial = draw.trials;
        if (trial == 0) {  // keep the link (probability < 2^-64)
          trial = kMaxTrials;
          psi = theta(b, link) + phi;
        }
        theta(b, link) = u1::wrap_positive(psi - phi);
        Kokkos::atomic_add(&trials(b), index_t(trial));
      });
}

void U1HeatBath::update(const Field& theta, index_t n, std::uint32_t sweep,
                        const std::vector<BatchScalar>& reals,
                        const std::vector<BatchFlags>& /*flags*/) {
  const int d = theory_.geometry().dim();
  Kokkos::deep_copy(trials_, 0);
  for (int mu = 0; mu < d; ++mu)
    for (int parity = 0; parity < 2; ++parity) half_sweep(theta, n, sweep, mu, parity, false);
  for (int k = 0; k < overrelaxation_; ++k)
    for (int mu = 0; mu < d; ++mu)
      for (int parity = 0; parity < 2; ++parity) half_sweep(theta, n, sweep, mu, parity, true);
  const auto trials = trials_;
  const BatchScalar per_link = reals[0];
  const real_t links = real_t(theory_.dof());
  Kokkos::parallel_for(
      "u1.heat_bath.record", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b) { per_link(b) = real_t(trials(b)) / links; });
}

}  // namespace flowlat
