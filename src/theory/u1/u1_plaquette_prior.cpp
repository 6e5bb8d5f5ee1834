// U1PlaquettePrior: von Mises plaquettes built into links in one gauge, and
// the density of the plaquettes but the last.
#include "flowlat/theory/u1/u1_plaquette_prior.hpp"

#include <cmath>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/batch_reduce.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/von_mises.hpp"
#include "flowlat/theory/u1/u1_exact.hpp"
#include "flowlat/theory/u1/u1_plaquette.hpp"

namespace flowlat {

namespace {
constexpr int kMaxTrials = 64;
constexpr std::uint32_t kCountersPerPlaquette = kMaxTrials + 1;
}  // namespace

U1PlaquettePrior::U1PlaquettePrior(const Geometry& geometry, double beta)
    : geometry_(geometry), beta_(beta) {
  if (geometry.dim() != 2)
    throw InputError("flow.prior: 'plaquette' is a prior of 2D U(1) (its plaquettes are "
                     "independent only in two dimensions); this lattice has " +
                     std::to_string(geometry.dim()) + " dimensions");
  log_i0_ = std::log(u1_exact::bessel_i(0, beta));
}

void U1PlaquettePrior::draw(const Field& z, index_t n, std::uint64_t seed,
                            std::int64_t first_stream, RandomPurpose purpose, std::uint32_t step,
                            std::uint64_t first_element) const {
  const index_t V = geometry_.volume();
  const int L0 = geometry_.extent(0), L1 = geometry_.extent(1);
  const real_t beta = beta_;
  // 1. plaquette p of config b into z(b, V + p), the direction-1 link of site
  //    p (rebuilt in place by step 2); the last plaquette is not drawn
  Kokkos::parallel_for(
      "u1.plaquette_prior.draw", batch_site_policy(n, V - 1), KOKKOS_LAMBDA(index_t b, index_t p) {
        const CounterRng rng(seed, std::uint32_t(first_stream + b));
        const std::uint32_t index0 = std::uint32_t(first_element + std::uint64_t(p)) *
                                     kCountersPerPlaquette;
        real_t u_sign, u_flat;
        rng.uniform2(purpose, step, index0, u_sign, u_flat);
        const VonMisesDraw d = von_mises(rng, purpose, step, index0, beta, u_sign, u_flat,
                                         kMaxTrials);
        // all trials rejected (probability < 2^-64): the mode
        z(b, V + p) = d.trials > 0 ? d.psi : 0;
      });
  // 2. links in the gauge a(i, j) = 0 for i < L0 - 1, b(0, j) = 0 for j > 0,
  //    with a = direction 0, b = direction 1, site (i, j) = i L1 + j, and
  //    P(i, j) = a(i, j) + b(i + 1, j) - a(i, j + 1) - b(i, j):
  //      b(i + 1, j) = b(i, j) + P(i, j)                       (i < L0 - 1)
  //      a(L0-1, j+1) = a(L0-1, j) + b(0, j) - b(L0-1, j) - P(L0-1, j)
  //    from the holonomies h0 = a(L0-1, 0), h1 = b(0, 0); the last
  //    plaquette P(L0-1, L1-1) is what the rest leaves.
  Kokkos::parallel_for(
      "u1.plaquette_prior.links", Kokkos::RangePolicy<ExecSpace>(0, n), KOKKOS_LAMBDA(index_t b) {
        const CounterRng rng(seed, std::uint32_t(first_stream + b));
        real_t h0, h1;
        rng.uniform2(purpose, step,
                     std::uint32_t(first_element + std::uint64_t(V)) * kCountersPerPlaquette, h0,
                     h1);
        real_t a_last = 2 * math::pi * h0;  // a(L0 - 1, j) as j runs
        for (int j = 0; j < L1; ++j) {
          real_t bij = j == 0 ? 2 * math::pi * h1 : 0;  // b(i, j) as i runs
          const real_t b0j = bij;
          real_t p_last = 0;
          for (int i = 0; i < L0; ++i) {
            const index_t s = index_t(i) * L1 + j;
            const real_t p = s == V - 1 ? 0 : z(b, V + s);
            z(b, V + s) = u1::wrap_positive(bij);
            z(b, s) = 0;
            if (i + 1 < L0)
              bij += p;
            else
              p_last = p;
          }
          z(b, index_t(L0 - 1) * L1 + j) = u1::wrap_positive(a_last);
          // b(L0 - 1, j) is bij now (the loop left it there)
          a_last = a_last + b0j - bij - p_last;
        }
      });
}

void U1PlaquettePrior::log_density(const Field& z, index_t n, const BatchScalar& log_r) const {
  const index_t V = geometry_.volume();
  const auto fwd = geometry_.forward();
  const real_t beta = beta_, log_i0 = log_i0_;
  const real_t haar = -real_t(2 * V) * std::log(2 * math::pi);
  batch_sum("u1.plaquette_prior.log_density", n, V, log_r,
            KOKKOS_LAMBDA(index_t b, index_t x) {
              if (x == V - 1) return haar;  // the constraint's plaquette, and the constant
              return beta * math::cos(u1::plaquette_angle(z, b, fwd, V, x, 0, 1)) - log_i0;
            });
}

void U1PlaquettePrior::log_density_gradient(const Field& z, index_t n,
                                            const BatchScalar& grad_log_r, const Field& g) const {
  // d/d theta of sum_{P != last} beta cos theta_P: theta_0(x) enters P(x) with
  // +1 and P(x - 1-hat) with -1; theta_1(x) enters P(x) with -1 and
  // P(x - 0-hat) with +1
  const index_t V = geometry_.volume();
  const auto fwd = geometry_.forward();
  const auto bwd = geometry_.backward();
  const real_t beta = beta_;
  Kokkos::parallel_for(
      "u1.plaquette_prior.gradient", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t x) {
        const auto dcos = [&](index_t y) {  // d(beta cos theta_P(y)) / d theta_P
          return y == V - 1 ? real_t(0)
                            : -beta * math::sin(u1::plaquette_angle(z, b, fwd, V, y, 0, 1));
        };
        const real_t here = dcos(x);
        g(b, x) = grad_log_r(b) * (here - dcos(bwd(x, 1)));
        g(b, V + x) = grad_log_r(b) * (dcos(bwd(x, 0)) - here);
      });
}

}  // namespace flowlat
