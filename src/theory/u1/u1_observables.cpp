// U(1) observables: plaquette sums and loops on the device, the charge
// density's correlator through the scalar-field FFT path.
#include "flowlat/theory/u1/u1_observables.hpp"

#include <cmath>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/batch_reduce.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/theory/u1/u1_plaquette.hpp"

namespace flowlat {

U1Observables::U1Observables(const U1& theory, index_t max_batch)
    : geom_(theory.geometry()),
      max_batch_(max_batch),
      two_d_(theory.geometry().dim() == 2),
      max_r_(std::max(1, theory.geometry().extent(1) / 2)),
      max_t_(std::max(1, theory.geometry().extent(0) / 2)),
      n_plaquettes_(theory.plaquettes()) {
  if (max_batch < 1) throw RuntimeFailure("U1Observables: max_batch must be >= 1");
  const index_t V = geom_.volume(), L1 = geom_.extent(1);
  cos_sum_ = BatchScalar("u1obs.cos_sum", max_batch);
  wilson_ = Field("u1obs.wilson", max_batch, index_t(max_r_) * max_t_);
  if (two_d_) {
    charge_density_ = Field("u1obs.q", max_batch, V);
    charge_ = std::make_unique<ScalarFieldObservables>(geom_, max_batch);
    polyakov_ = Field("u1obs.polyakov", max_batch, 2 * L1);
    polyakov_corr_ = Field("u1obs.polyakov_corr", max_batch, L1);
  }
}

std::vector<std::string> U1Observables::scalar_names() const {
  std::vector<std::string> names{"plaquette", "action_density"};
  if (two_d_)
    for (const char* name : {"Q", "Q2", "chi_t", "polyakov_re", "polyakov_abs"})
      names.emplace_back(name);
  return names;
}

std::vector<std::pair<std::string, index_t>> U1Observables::corr_layout() const {
  std::vector<std::pair<std::string, index_t>> layout{
      {"wilson_loops", index_t(max_r_) * max_t_}};
  if (two_d_) {
    layout.emplace_back("polyakov_corr", index_t(geom_.extent(1)));
    layout.emplace_back("Cq_t", index_t(geom_.extent(0)));
  }
  return layout;
}

std::vector<std::pair<std::string, double>> U1Observables::by_symmetry() const {
  if (!two_d_) return {};
  return {{"Q", 0.0}, {"polyakov_re", 0.0}};
}

void U1Observables::plaquette_sums(const Field& theta, index_t n) {
  const auto fwd = geom_.forward();
  const int d = geom_.dim();
  const index_t V = geom_.volume();
  batch_sum("u1obs.cos_sum", n, V, cos_sum_, KOKKOS_LAMBDA(index_t b, index_t x) {
    real_t sum = 0;
    for (int mu = 0; mu < d; ++mu)
      for (int nu = mu + 1; nu < d; ++nu)
        sum += math::cos(u1::plaquette_angle(theta, b, fwd, V, x, mu, nu));
    return sum;
  });
  if (!two_d_) return;
  const auto q = charge_density_;
  Kokkos::parallel_for(
      "u1obs.charge_density", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t x) {
        q(b, x) = u1::wrap_symmetric(u1::plaquette_angle(theta, b, fwd, V, x, 0, 1)) / u1::two_pi;
      });
}

void U1Observables::loops(const Field& theta, index_t n) {
  const auto fwd = geom_.forward();
  const index_t V = geom_.volume();
  const int max_t = max_t_;
  const auto W = wilson_;
  // one work item per (configuration, R, T): a deterministic sum over sites
  Kokkos::parallel_for(
      "u1obs.wilson_loops", batch_site_policy(n, index_t(max_r_) * max_t_),
      KOKKOS_LAMBDA(index_t b, index_t rt) {
        const int R = int(rt / max_t) + 1, T = int(rt % max_t) + 1;
        real_t sum = 0;
        for (index_t x = 0; x < V; ++x) {
          // corner x; up T along 0, right R along 1, then back: +theta on
          // the way out, -theta on the way back (R = T = 1: theta_01(x))
          real_t angle = 0;
          index_t y = x;
          for (int t = 0; t < T; ++t, y = fwd(y, 0)) angle += theta(b, y);
          for (int r = 0; r < R; ++r, y = fwd(y, 1)) angle += theta(b, V + y);
          index_t s = x;
          for (int r = 0; r < R; ++r, s = fwd(s, 1)) angle -= theta(b, V + s);
          for (int t = 0; t < T; ++t, s = fwd(s, 0)) angle -= theta(b, s);
          sum += math::cos(angle);
        }
        W(b, rt) = sum / real_t(V);
      });
  if (!two_d_) return;
  const index_t L0 = geom_.extent(0), L1 = geom_.extent(1);
  const auto P = polyakov_;
  Kokkos::parallel_for(
      "u1obs.polyakov", batch_site_policy(n, L1), KOKKOS_LAMBDA(index_t b, index_t x1) {
        real_t angle = 0;
        for (index_t t = 0; t < L0; ++t) angle += theta(b, t * L1 + x1);  // site (t, x1)
        P(b, 2 * x1) = math::cos(angle);
        P(b, 2 * x1 + 1) = math::sin(angle);
      });
  const auto C = polyakov_corr_;
  Kokkos::parallel_for(
      "u1obs.polyakov_corr", batch_site_policy(n, L1), KOKKOS_LAMBDA(index_t b, index_t r) {
        real_t sum = 0;
        for (index_t x1 = 0; x1 < L1; ++x1) {
          const index_t y1 = (x1 + r) % L1;
          sum += P(b, 2 * x1) * P(b, 2 * y1) + P(b, 2 * x1 + 1) * P(b, 2 * y1 + 1);
        }
        C(b, r) = sum / real_t(L1);
      });
}

void U1Observables::measure(const Field& theta, index_t n, const BatchScalar& action,
                            Measurement& out) {
  if (n > max_batch_ || index_t(theta.extent(0)) < n ||
      index_t(theta.extent(1)) != geom_.dim() * geom_.volume())
    throw RuntimeFailure("U1Observables: a batch of " + std::to_string(n) + " link fields of " +
                         std::to_string(theta.extent(1)) + " angles does not fit (max_batch " +
                         std::to_string(max_batch_) + ", " +
                         std::to_string(geom_.dim() * geom_.volume()) + " links)");
  const auto names = scalar_names();
  const auto layout = corr_layout();
  out.scalars.assign(names.size(), std::vector<double>(std::size_t(n)));
  out.corrs.resize(layout.size());
  for (std::size_t k = 0; k < layout.size(); ++k)
    out.corrs[k].assign(std::size_t(n * layout[k].second), 0.0);
  if (n == 0) return;

  plaquette_sums(theta, n);
  loops(theta, n);
  const auto cos_sum = Kokkos::create_mirror_view_and_copy(HostSpace(), cos_sum_);
  const auto S = Kokkos::create_mirror_view_and_copy(HostSpace(), action);
  const auto W = Kokkos::create_mirror_view_and_copy(HostSpace(), wilson_);
  const double V = double(geom_.volume());
  for (index_t b = 0; b < n; ++b) {
    out.scalars[0][b] = cos_sum(b) / double(n_plaquettes_);
    out.scalars[1][b] = S(b) / V;
    for (index_t k = 0; k < index_t(max_r_) * max_t_; ++k)
      out.corrs[0][b * max_r_ * max_t_ + k] = W(b, k);
  }
  if (!two_d_) return;

  // Q, Q^2, chi_t and G_q: the scalar-field measurement of q(x)
  charge_->measure(charge_density_, n, action, charge_measurement_);
  const auto scalar_names = ScalarFieldObservables::names();
  auto column = [&](const char* name) -> const std::vector<double>& {
    for (std::size_t k = 0; k < scalar_names.size(); ++k)
      if (scalar_names[k] == name) return charge_measurement_.scalars[k];
    throw RuntimeFailure(std::string("U1Observables: no scalar-field observable ") + name);
  };
  const auto& Q = column("M");
  const auto P = Kokkos::create_mirror_view_and_copy(HostSpace(), polyakov_);
  const auto PC = Kokkos::create_mirror_view_and_copy(HostSpace(), polyakov_corr_);
  const index_t L0 = geom_.extent(0), L1 = geom_.extent(1);
  for (index_t b = 0; b < n; ++b) {
    // the geometric charge is an integer up to rounding of the sum
    const double q = std::nearbyint(Q[b]);
    out.scalars[2][b] = q;
    out.scalars[3][b] = q * q;
    out.scalars[4][b] = q * q / V;
    double re = 0, im = 0;
    for (index_t x1 = 0; x1 < L1; ++x1) re += P(b, 2 * x1), im += P(b, 2 * x1 + 1);
    re /= double(L1), im /= double(L1);
    out.scalars[5][b] = re;
    out.scalars[6][b] = std::sqrt(re * re + im * im);
    for (index_t r = 0; r < L1; ++r) out.corrs[1][b * L1 + r] = PC(b, r);
    for (index_t t = 0; t < L0; ++t)
      out.corrs[2][b * L0 + t] = charge_measurement_.corrs[0][b * L0 + t];
  }
}

}  // namespace flowlat
