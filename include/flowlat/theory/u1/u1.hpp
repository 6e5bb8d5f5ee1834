// Compact U(1) lattice gauge theory with the Wilson action,
//   S = -beta sum_x sum_{mu<nu} cos theta_{mu nu}(x),
//   theta_{mu nu}(x) = theta_mu(x) + theta_nu(x+mu) - theta_mu(x+nu) - theta_nu(x),
// on a periodic lattice of any dimension d >= 2 (topological charge: d = 2).
// The field is the link angles, [mu][site] on the flat dof axis, kept in
// [0, 2 pi) by every update (the flows' circle maps need it).
#pragma once
#include "flowlat/theory/theory.hpp"

namespace flowlat {

class U1 final : public Theory {
 public:
  // InputError (lattice.shape) for d < 2: there are no plaquettes.
  U1(const Geometry& geometry, double beta);

  std::string name() const override { return "u1"; }
  std::vector<std::int64_t> field_shape() const override;  // {d, L0, ..., L_{d-1}}
  std::vector<std::pair<std::string, double>> couplings() const override;
  void action(const Field& theta, index_t n, const BatchScalar& S) const override;
  void force(const Field& theta, index_t n, const Field& dS) const override;
  // theta += h p, wrapped back to [0, 2 pi).
  void drift(const Field& theta, const Field& momentum, real_t h, index_t n) const override;
  // Haar-random links: uniform on [0, 2 pi).
  void hot_start(const Field& theta, index_t n, std::uint64_t seed,
                 std::int64_t first_chain) const override;
  std::unique_ptr<ObservableSet> observables(index_t max_batch) const override;
  // 2D: <cos theta_P>, S/V, <Q^2> and chi_t exactly (Bessel sums on the torus).
  std::vector<std::pair<std::string, double>> exact_expectations() const override;
  double exact_log_partition_function() const override;
  // Heat bath with over-relaxation on the links (metropolis.overrelaxation).
  std::unique_ptr<ChainUpdate> local_update(const Config& config, std::uint64_t seed,
                                            std::int64_t first_chain,
                                            index_t capacity) const override;
  // Uniform prior; gauge-equivariant couplings on plaquettes (2D).
  FlowStack flow_stack(const FlowArchitecture& architecture, ParameterStore& store,
                       index_t capacity) const override;

  double beta() const { return beta_; }
  // Plaquettes per configuration: V d (d - 1) / 2.
  index_t plaquettes() const;
  // theta_mu(x) -> theta_mu(x) + alpha(x) - alpha(x + mu), wrapped: the gauge
  // transformation by e^{i alpha} (alpha: [>= n][V]). S and every plaquette
  // are invariant.
  void gauge_transform(const Field& theta, index_t n, const Field& alpha) const;

 private:
  double beta_;
};

}  // namespace flowlat
