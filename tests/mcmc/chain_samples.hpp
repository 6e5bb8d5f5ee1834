// In-process sampling for validation tests: runs a ChainUpdate on a batch of
// chains and collects per-chain time series of every scalar observable and
// of G(x), ready for the Gamma method.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "flowlat/analysis/gamma_method.hpp"
#include "flowlat/mcmc/chain_update.hpp"
#include "flowlat/observables/scalar_field_observables.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat::testing_support {

struct ChainSamples {
  // name -> [chain][measurement]
  std::map<std::string, std::vector<std::vector<double>>> scalars;
  // G(x) per site: [site][chain][measurement]
  std::vector<std::vector<std::vector<double>>> two_point;
  std::vector<std::vector<double>> acceptance;  // first record, [chain][step]

  GammaResult gamma(const std::string& name) const { return gamma_method(scalars.at(name)); }
};

// One device array per record of `update` (its reals and flags), n chains.
struct UpdateRecords {
  std::vector<BatchScalar> reals;
  std::vector<BatchFlags> flags;
  UpdateRecords(const ChainUpdate& update, index_t n) {
    for (const auto& r : update.record_reals()) reals.emplace_back(r, n);
    for (const auto& f : update.record_flags()) flags.emplace_back(f, n);
  }
};

// Starts every chain from the zero field (a unit-normal hot start puts stiff
// phi^4 points far outside the integrator's stable step size), or from
// `start` when given.
inline ChainSamples sample_chains(const Theory& theory, ChainUpdate& update, index_t n_chain,
                                  int thermalization, int measurements, int every,
                                  bool with_two_point, const Field& start = Field()) {
  const Geometry& g = theory.geometry();
  Field phi("samples.phi", n_chain, theory.dof());
  if (start.extent(0) > 0) Kokkos::deep_copy(phi, start);
  const UpdateRecords records(update, n_chain);
  const auto& reals = records.reals;
  const auto& flags = records.flags;

  const auto obs = theory.observables(n_chain);
  // G(x) of every configuration: a real scalar field's two-point function
  std::unique_ptr<ScalarFieldObservables> scalar;
  if (with_two_point) scalar = std::make_unique<ScalarFieldObservables>(g, n_chain);
  Measurement m;
  BatchScalar action("samples.S", n_chain);
  ChainSamples out;
  const auto names = obs->scalar_names();
  for (const auto& name : names) out.scalars[name].assign(n_chain, {});
  if (with_two_point) out.two_point.assign(g.volume(), std::vector<std::vector<double>>(n_chain));
  out.acceptance.assign(n_chain, {});

  std::uint32_t step = 0;
  for (int t = 0; t < thermalization; ++t) update.update(phi, n_chain, step++, reals, flags);
  for (int k = 0; k < measurements; ++k) {
    for (int e = 0; e < every; ++e) {
      update.update(phi, n_chain, step++, reals, flags);
      if (!flags.empty()) {
        auto h = Kokkos::create_mirror_view_and_copy(HostSpace(), flags[0]);
        for (index_t b = 0; b < n_chain; ++b) out.acceptance[b].push_back(h(b));
      } else {
        auto h = Kokkos::create_mirror_view_and_copy(HostSpace(), reals[0]);
        for (index_t b = 0; b < n_chain; ++b) out.acceptance[b].push_back(h(b));
      }
    }
    theory.action(phi, n_chain, action);
    obs->measure(phi, n_chain, action, m);
    for (std::size_t i = 0; i < names.size(); ++i)
      for (index_t b = 0; b < n_chain; ++b) out.scalars[names[i]][b].push_back(m.scalars[i][b]);
    if (with_two_point) {
      const auto G = scalar->two_point(phi, n_chain);
      for (index_t b = 0; b < n_chain; ++b)
        for (index_t x = 0; x < g.volume(); ++x)
          out.two_point[x][b].push_back(G[b * g.volume() + x]);
    }
  }
  return out;
}

}  // namespace flowlat::testing_support
