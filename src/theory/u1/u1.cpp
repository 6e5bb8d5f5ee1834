// U(1) Wilson action, force and the link-field operations.
#include "flowlat/theory/u1/u1.hpp"

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/batch_reduce.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/philox.hpp"
#include "flowlat/core/config.hpp"
#include "flowlat/flow/flow_architecture.hpp"
#include "flowlat/flow/flow_stack.hpp"
#include "flowlat/theory/u1/u1_circle_maps.hpp"
#include "flowlat/theory/u1/u1_exact.hpp"
#include "flowlat/theory/u1/u1_gauge_coupling.hpp"
#include "flowlat/theory/u1/u1_heat_bath.hpp"
#include "flowlat/theory/u1/u1_observables.hpp"
#include "flowlat/theory/u1/u1_plaquette.hpp"
#include "flowlat/theory/u1/u1_plaquette_prior.hpp"

namespace flowlat {

U1::U1(const Geometry& geometry, double beta) : Theory(geometry), beta_(beta) {
  if (geometry.dim() < 2)
    throw InputError("lattice.shape: a gauge theory needs at least 2 dimensions, got " +
                     geometry.shape_string());
}

std::vector<std::int64_t> U1::field_shape() const {
  std::vector<std::int64_t> shape{geometry().dim()};
  for (int e : geometry().extents()) shape.push_back(e);
  return shape;
}

std::vector<std::pair<std::string, double>> U1::couplings() const { return {{"beta", beta_}}; }

index_t U1::plaquettes() const {
  const index_t d = geometry().dim();
  return geometry().volume() * d * (d - 1) / 2;
}

void U1::action(const Field& theta, index_t n, const BatchScalar& S) const {
  const auto fwd = geometry().forward();
  const int d = geometry().dim();
  const index_t V = geometry().volume();
  const real_t beta = beta_;
  batch_sum("u1.action", n, V, S, KOKKOS_LAMBDA(index_t b, index_t x) {
    real_t sum = 0;
    for (int mu = 0; mu < d; ++mu)
      for (int nu = mu + 1; nu < d; ++nu)
        sum += math::cos(u1::plaquette_angle(theta, b, fwd, V, x, mu, nu));
    return -beta * sum;
  });
}

void U1::force(const Field& theta, index_t n, const Field& dS) const {
  const auto fwd = geometry().forward();
  const auto bwd = geometry().backward();
  const int d = geometry().dim();
  const index_t V = geometry().volume();
  const real_t beta = beta_;
  // theta_mu(x) enters theta_{mu nu}(x) with + and theta_{mu nu}(x - nu) with -
  Kokkos::parallel_for(
      "u1.force", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t x) {
        for (int mu = 0; mu < d; ++mu) {
          real_t f = 0;
          for (int nu = 0; nu < d; ++nu) {
            if (nu == mu) continue;
            f += math::sin(u1::plaquette_angle(theta, b, fwd, V, x, mu, nu)) -
                 math::sin(u1::plaquette_angle(theta, b, fwd, V, bwd(x, nu), mu, nu));
          }
          dS(b, mu * V + x) = beta * f;
        }
      });
}

void U1::drift(const Field& theta, const Field& momentum, real_t h, index_t n) const {
  Kokkos::parallel_for(
      "u1.drift", batch_site_policy(n, dof()), KOKKOS_LAMBDA(index_t b, index_t l) {
        theta(b, l) = u1::wrap_positive(theta(b, l) + h * momentum(b, l));
      });
}

void U1::hot_start(const Field& theta, index_t n, std::uint64_t seed,
                   std::int64_t first_chain) const {
  Kokkos::parallel_for(
      "u1.hot_start", batch_site_policy(n, dof()), KOKKOS_LAMBDA(index_t b, index_t l) {
        theta(b, l) = u1::two_pi * CounterRng(seed, std::uint32_t(first_chain + b))
                                       .uniform_at(RandomPurpose::InitialField, 0, std::uint64_t(l));
      });
}

void U1::gauge_transform(const Field& theta, index_t n, const Field& alpha) const {
  const auto fwd = geometry().forward();
  const int d = geometry().dim();
  const index_t V = geometry().volume();
  Kokkos::parallel_for(
      "u1.gauge_transform", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t x) {
        for (int mu = 0; mu < d; ++mu)
          theta(b, mu * V + x) =
              u1::wrap_positive(theta(b, mu * V + x) + alpha(b, x) - alpha(b, fwd(x, mu)));
      });
}

std::unique_ptr<ObservableSet> U1::observables(index_t max_batch) const {
  return std::make_unique<U1Observables>(*this, max_batch);
}

std::vector<std::pair<std::string, double>> U1::exact_expectations() const {
  if (geometry().dim() != 2) return {};
  const long long V = geometry().volume();
  const double plaquette = u1_exact::mean_plaquette(beta_, V);
  const double q2 = u1_exact::mean_q2(beta_, V);
  return {{"plaquette", plaquette},
          {"action_density", -beta_ * plaquette},  // one plaquette per site in 2D
          {"Q2", q2},
          {"chi_t", q2 / double(V)}};
}

double U1::exact_log_partition_function() const {
  if (geometry().dim() != 2) return Theory::exact_log_partition_function();
  // Z_Haar with the normalised Haar measure, times (2 pi) per link
  const long long V = geometry().volume();
  return u1_exact::log_partition_function(beta_, V) + double(dof()) * std::log(u1::two_pi);
}

std::unique_ptr<ChainUpdate> U1::local_update(const Config& config, std::uint64_t seed,
                                              std::int64_t first_chain, index_t capacity) const {
  return std::make_unique<U1HeatBath>(*this, int(config.get_int("metropolis.overrelaxation")),
                                      seed, first_chain, capacity);
}

FlowStack U1::flow_stack(const FlowArchitecture& architecture, ParameterStore& store,
                         index_t capacity) const {
  using Make = std::unique_ptr<CouplingLayer> (*)(const Geometry&, const U1GaugeMask&,
                                                  const CouplingOptions&, ParameterStore&,
                                                  const std::string&, index_t,
                                                  std::shared_ptr<ConvWorkspace>);
  const std::pair<const char*, Make> couplings[] = {
      {"ncp", [](const Geometry& g, const U1GaugeMask& m, const CouplingOptions& o,
                 ParameterStore& s, const std::string& name, index_t cap,
                 std::shared_ptr<ConvWorkspace> w) -> std::unique_ptr<CouplingLayer> {
         return std::make_unique<U1GaugeCoupling<NcpCircleMap>>(g, m, o, s, name, cap,
                                                                std::move(w));
       }},
      {"spline", [](const Geometry& g, const U1GaugeMask& m, const CouplingOptions& o,
                    ParameterStore& s, const std::string& name, index_t cap,
                    std::shared_ptr<ConvWorkspace> w) -> std::unique_ptr<CouplingLayer> {
         return std::make_unique<U1GaugeCoupling<SplineCircleMap>>(g, m, o, s, name, cap,
                                                                   std::move(w));
       }}};
  Make make = nullptr;
  for (const auto& [name, f] : couplings)
    if (architecture.coupling_type == name) make = f;
  if (!make)
    throw InputError("flow.coupling: '" + architecture.coupling_type +
                     "' is not a coupling of u1 (expected ncp|spline)");
  if (architecture.coupling.components > kMaxCircleComponents)
    throw InputError("flow.components: at most " + std::to_string(kMaxCircleComponents));
  FlowStack stack;
  // The plaquette prior is close to the target already: the couplings start
  // as the identity, so the untrained flow is the prior and training starts
  // from its KL (random couplings first made it several nats worse).
  CouplingOptions options = architecture.coupling;
  if (architecture.prior == "plaquette") {
    stack.prior = std::make_unique<U1PlaquettePrior>(geometry(), beta_);
    options.identity_start = true;
  } else {
    stack.prior = std::make_unique<UniformAnglePrior>();
  }
  // The couplings run one after another: one workspace for all their convolutions.
  const auto workspace = std::make_shared<ConvWorkspace>();
  for (int k = 0; k < architecture.n_layers; ++k) {
    // the tutorial's cycle: direction k mod 2, offset (k div 2) mod 4
    const U1GaugeMask mask(geometry(), k % 2, (k / 2) % 4);
    stack.layers.push_back(make(geometry(), mask, options, store,
                                "coupling" + std::to_string(k), capacity, workspace));
  }
  return stack;
}

}  // namespace flowlat
