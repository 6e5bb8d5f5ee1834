// Real scalar phi^4 in the convention of Albergo, Kanwar, Shanahan (2019):
// S = sum_x [ -2 sum_mu phi(x) phi(x+mu) + (m^2 + 2d) phi(x)^2 + lambda phi(x)^4 ].
#pragma once
#include "flowlat/theory/theory.hpp"

namespace flowlat {

// The site-local part of the action, shared by the batch kernels and the
// local Metropolis update: S = sum_x [ -2 phi(x) h(x) + local(phi(x)) ] with
// h(x) = sum_mu phi(x+mu) (forward neighbours only).
struct Phi4SiteAction {
  real_t mass_term;  // m^2 + 2d
  real_t lambda;
  KOKKOS_INLINE_FUNCTION real_t local(real_t phi) const {
    const real_t p2 = phi * phi;
    return mass_term * p2 + lambda * p2 * p2;
  }
  KOKKOS_INLINE_FUNCTION real_t local_derivative(real_t phi) const {
    return 2 * mass_term * phi + 4 * lambda * phi * phi * phi;
  }
  // S(phi_x -> phi_new) - S(phi_x -> phi_old) given the sum over all 2d
  // neighbours (each hopping term is counted once per link).
  KOKKOS_INLINE_FUNCTION real_t delta(real_t phi_old, real_t phi_new, real_t neighbour_sum) const {
    return -2 * (phi_new - phi_old) * neighbour_sum + local(phi_new) - local(phi_old);
  }
};

class Phi4 final : public Theory {
 public:
  Phi4(const Geometry& geometry, double m2, double lambda);

  std::string name() const override { return "phi4"; }
  std::vector<std::int64_t> field_shape() const override;
  std::vector<std::pair<std::string, double>> couplings() const override;
  void action(const Field& phi, index_t n, const BatchScalar& S) const override;
  void force(const Field& phi, index_t n, const Field& dS) const override;
  // Fused: the force of each site goes straight into its momentum.
  void kick(const Field& phi, const Field& p, real_t h, index_t n,
            const Field& scratch) const override;
  // M, |M|, M^2, phi^2, S/V, chi_2, E, G~(p1) and C(t); <M> = 0 by phi -> -phi.
  std::unique_ptr<ObservableSet> observables(index_t max_batch) const override;
  // The free field (lambda = 0): phi2, chi2, E and action_density exactly.
  std::vector<std::pair<std::string, double>> exact_expectations() const override;
  double exact_log_partition_function() const override;
  // Checkerboard single-site Metropolis (metropolis.step_size, metropolis.hits).
  std::unique_ptr<ChainUpdate> local_update(const Config& config, std::uint64_t seed,
                                            std::int64_t first_chain,
                                            index_t capacity) const override;
  // Normal prior; flow.layers affine couplings on alternating checkerboards
  // (layer k freezes parity k mod 2).
  FlowStack flow_stack(const FlowArchitecture& architecture, ParameterStore& store,
                       index_t capacity) const override;

  double m2() const { return m2_; }
  double lambda() const { return lambda_; }
  Phi4SiteAction site_action() const;

 private:
  double m2_, lambda_;
};

}  // namespace flowlat
