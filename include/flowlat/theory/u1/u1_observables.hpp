// Observables of a U(1) link field, measured on every saved configuration:
//  "plaquette"       (1/N_P) sum_P cos theta_P
//  "action_density"  S/V
// and on a 2D torus also
//  "Q"               (1/2 pi) sum_P wrap(theta_P), wrap to [-pi, pi): the
//                    geometric charge, an integer on every configuration
//  "Q2", "chi_t"     Q^2 and Q^2/V (its mean is the topological susceptibility)
//  "polyakov_re", "polyakov_abs"  Re and |.| of (1/L_1) sum_x1 P(x1),
//                    P(x1) = exp(i sum_t theta_0(t, x1)): loops along direction 0
// Correlators:
//  "wilson_loops"    W(R, T) = (1/V) sum_x cos(loop angle) of R x T rectangles,
//                    T along direction 0, R along 1, for R <= L1/2, T <= L0/2;
//                    entry Tmax + (T-1)
//  "polyakov_corr"   (2D) (1/L1) sum_x1 Re P(x1) P*(x1 + r), r = 0..L1-1
//  "Cq_t"            (2D) sum_{x1} G_q(t, x1), G_q the two-point function of
//                    the charge density q(x) = wrap(theta_P(x))/2 pi, by FFTW
// <Q> = 0 and <polyakov_re> = 0 by symmetry (theta -> -theta; the center
// transformation of the links of one time slice).
#pragma once
#include <memory>

#include "flowlat/observables/observable_set.hpp"
#include "flowlat/observables/scalar_field_observables.hpp"
#include "flowlat/theory/u1/u1.hpp"

namespace flowlat {

class U1Observables final : public ObservableSet {
 public:
  U1Observables(const U1& theory, index_t max_batch);

  std::vector<std::string> scalar_names() const override;
  std::vector<std::pair<std::string, index_t>> corr_layout() const override;
  std::vector<std::pair<std::string, double>> by_symmetry() const override;
  void measure(const Field& theta, index_t n, const BatchScalar& action,
               Measurement& out) override;
  index_t max_batch() const override { return max_batch_; }

  int max_r() const { return max_r_; }
  int max_t() const { return max_t_; }

  // Building blocks of measure(); public because they launch device lambdas
  // (nvcc).
  void plaquette_sums(const Field& theta, index_t n);
  void loops(const Field& theta, index_t n);

 private:
  Geometry geom_;
  index_t max_batch_;
  bool two_d_;
  int max_r_, max_t_;
  index_t n_plaquettes_;
  BatchScalar cos_sum_;
  Field charge_density_;                          // [n][V], 2D
  std::unique_ptr<ScalarFieldObservables> charge_;  // G_q by FFT, Q = its M
  Field wilson_;                                  // [n][Rmax Tmax]
  Field polyakov_;                                // [n][2 L1]: cos, sin of each loop
  Field polyakov_corr_;                           // [n][L1]
  Measurement charge_measurement_;
};

}  // namespace flowlat
