// Checkerboard Metropolis sweep: proposal phi + delta (2u - 1), local dS.
#include "flowlat/theory/phi4/local_metropolis.hpp"

#include "flowlat/core/error.hpp"
#include "flowlat/core/math.hpp"
#include "flowlat/core/philox.hpp"

namespace flowlat {

LocalMetropolis::LocalMetropolis(const Phi4& theory, double step_size, int hits,
                                 std::uint64_t seed, std::int64_t first_chain, index_t capacity)
    : theory_(theory),
      step_size_(step_size),
      hits_(hits),
      seed_(seed),
      first_chain_(first_chain),
      accepted_("metropolis.accepted", capacity) {
  if (!theory.geometry().checkerboard_ok())
    throw InputError("lattice.shape: the checkerboard Metropolis update needs even extents, got " +
                     theory.geometry().shape_string());
}

void LocalMetropolis::update(const Field& phi, index_t n, std::uint32_t sweep,
                             const std::vector<BatchScalar>& reals,
                             const std::vector<BatchFlags>& /*flags*/) {
  const Geometry& g = theory_.geometry();
  const auto fwd = g.forward(), bwd = g.backward(), parity_sites = g.sites_of_parity();
  const index_t half = g.sites_per_parity();
  const int d = g.dim(), hits = hits_;
  const Phi4SiteAction site = theory_.site_action();
  const real_t delta = step_size_;
  const std::uint64_t seed = seed_;
  const std::int64_t first = first_chain_;
  const auto accepted = accepted_;
  Kokkos::deep_copy(accepted, 0);
  for (int parity = 0; parity < 2; ++parity) {
    Kokkos::parallel_for(
        "metropolis.half_sweep", Kokkos::RangePolicy<ExecSpace>(0, n * half),
        KOKKOS_LAMBDA(index_t i) {
          const index_t b = i / half;
          const index_t x = parity_sites(parity, i % half);
          const CounterRng rng(seed, std::uint32_t(first + b));
          real_t nbr = 0;
          for (int mu = 0; mu < d; ++mu) nbr += phi(b, fwd(x, mu)) + phi(b, bwd(x, mu));
          real_t value = phi(b, x);
          int acc = 0;
          for (int h = 0; h < hits; ++h) {
            real_t u_step, u_accept;
            // each site is visited once per sweep: (site, hit) is a unique index
            rng.uniform2(RandomPurpose::LocalProposal, sweep, std::uint32_t(x * hits + h), u_step,
                         u_accept);
            const real_t proposal = value + delta * (2 * u_step - 1);
            const real_t dS = site.delta(value, proposal, nbr);
            if (dS <= 0 || u_accept < math::exp(-dS)) {
              value = proposal;
              ++acc;
            }
          }
          phi(b, x) = value;
          if (acc) Kokkos::atomic_add(&accepted(b), acc);
        });
  }
  const BatchScalar rate = reals[0];
  const real_t proposals = real_t(n > 0 ? 2 * half * hits : 1);
  Kokkos::parallel_for(
      "metropolis.rate", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b) { rate(b) = accepted(b) / proposals; });
}

}  // namespace flowlat
