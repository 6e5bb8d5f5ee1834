// phi^4 action and force kernels for a batch of configurations.
#include "flowlat/theory/phi4.hpp"

#include "flowlat/core/batch_reduce.hpp"
#include "flowlat/core/batch_policy.hpp"

namespace flowlat {

Phi4::Phi4(const Geometry& geometry, double m2, double lambda)
    : Theory(geometry), m2_(m2), lambda_(lambda) {}

std::vector<std::int64_t> Phi4::field_shape() const {
  return {geometry().extents().begin(), geometry().extents().end()};
}

std::vector<std::pair<std::string, double>> Phi4::couplings() const {
  return {{"m2", m2_}, {"lambda", lambda_}};
}

Phi4SiteAction Phi4::site_action() const {
  return Phi4SiteAction{m2_ + 2.0 * geometry().dim(), lambda_};
}

void Phi4::action(const Field& phi, index_t n, const BatchScalar& S) const {
  const auto fwd = geometry().forward();
  const int d = geometry().dim();
  const Phi4SiteAction site = site_action();
  batch_sum("phi4.action", n, geometry().volume(), S, KOKKOS_LAMBDA(index_t b, index_t x) {
    real_t hop = 0;
    for (int mu = 0; mu < d; ++mu) hop += phi(b, fwd(x, mu));
    const real_t p = phi(b, x);
    return -2 * p * hop + site.local(p);
  });
}

void Phi4::force(const Field& phi, index_t n, const Field& dS) const {
  const auto fwd = geometry().forward();
  const auto bwd = geometry().backward();
  const int d = geometry().dim();
  const index_t V = geometry().volume();
  const Phi4SiteAction site = site_action();
  Kokkos::parallel_for(
      "phi4.force", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t x) {
        real_t nbr = 0;
        for (int mu = 0; mu < d; ++mu) nbr += phi(b, fwd(x, mu)) + phi(b, bwd(x, mu));
        dS(b, x) = -2 * nbr + site.local_derivative(phi(b, x));
      });
}

}  // namespace flowlat
