// Per-configuration observables of a real scalar field on a periodic lattice
// (conventions of PHYSICS.md): magnetisation, phi^2, action density,
// two-point function G(x) by FFT, susceptibility, Ising energy, zero-momentum
// correlator C(t) and G~(p) at the smallest non-zero momentum.
//
// Reductions over sites (M, sum phi^2) run on the device with batch_sum; the
// batch is copied once per call into the buffer of a batched FFTW plan made
// for max_batch configurations (host), and E, C(t), Gp1 come from G and
// |phi~(p)|^2 there.
//
// Batches smaller than max_batch: the plan is made once for max_batch and
// always transforms all max_batch slots; slots n..max_batch-1 are zeroed and
// their results ignored. So no replanning, and the numbers of a configuration
// are bit-identical whatever the batch size n it was measured in (the same plan
// does the same arithmetic on every slot); the price is the FFT of the unused
// slots when n < max_batch.
//
// Buffers (device reductions, host mirrors, FFT buffers, G and |phi~|^2) are
// allocated in the constructor and reused; a call allocates nothing except
// the vectors returned by value (two_point, power_spectrum) and, on first
// use, the vectors of a Measurement.
#pragma once
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "flowlat/core/types.hpp"
#include "flowlat/lattice/geometry.hpp"
#include "flowlat/observables/fftw_plan.hpp"
#include "flowlat/observables/observable_set.hpp"

namespace flowlat {

class ScalarFieldObservables final : public ObservableSet {
 public:
  // fftw_flags: planner flags of the FFTW plans (see fftw_plan.hpp for why
  // FFTW_ESTIMATE is the default). by_symmetry: what the theory's symmetries
  // fix (phi4: <M> = 0 by phi -> -phi).
  ScalarFieldObservables(const Geometry& geom, index_t max_batch,
                         std::vector<std::pair<std::string, double>> by_symmetry = {},
                         unsigned fftw_flags = FFTW_ESTIMATE);

  // In this order (the names of /ensemble/obs/<name>):
  //  "M"              sum_x phi(x)
  //  "absM"           |M|
  //  "M2"             M^2
  //  "phi2"           (1/V) sum_x phi(x)^2 = G(0)
  //  "action_density" S/V with S as given to measure()
  //  "chi2"           sum_x G(x) = M^2/V
  //  "E"              (1/d) sum_mu G(mu-hat)  (Ising energy)
  //  "Gp1"            G~(p) = |phi~(p)|^2/V at p = 2 pi/L_mu e_mu, averaged over
  //                   the directions mu (directions of extent 1 have no non-zero
  //                   momentum and are left out; if every extent is 1, G~(0))
  static std::vector<std::string> names();
  // {"C_t", L_0}: C(t) = sum_{x-vec} G(t, x-vec), t along direction 0.
  static std::vector<std::pair<std::string, index_t>> layout(const Geometry& geom);

  std::vector<std::string> scalar_names() const override { return names(); }
  std::vector<std::pair<std::string, index_t>> corr_layout() const override {
    return layout(geom_);
  }
  std::vector<std::pair<std::string, double>> by_symmetry() const override { return by_symmetry_; }

  // phi: device Field [>= n][V]; action: device [>= n] with S of each
  // configuration. Fills `out` (resized to scalar_names() x n and
  // corr_layout() x n*len) for configurations 0..n-1; 0 <= n <= max_batch.
  void measure(const Field& phi, index_t n, const BatchScalar& action,
               Measurement& out) override;

  // G(x) = (1/V) sum_y phi(y) phi(y+x) of configurations 0..n-1, computed as
  // (1/V) IFFT(|phi~(p)|^2 / V) with FFTW's unnormalised transforms.
  // Host, [n * V], configuration-major, x the site index.
  std::vector<double> two_point(const Field& phi, index_t n);
  // |phi~(p)|^2 (phi~ FFTW's unnormalised forward transform) on the r2c half
  // grid, host [n * half_volume()]. G~(p) = |phi~(p)|^2 / V.
  std::vector<double> power_spectrum(const Field& phi, index_t n);

  // The r2c half grid: extents L_0 x ... x L_{d-2} x (L_{d-1}/2 + 1), row-major.
  index_t half_volume() const { return half_volume_; }
  // Integer mode numbers n_mu of half-grid index k, folded to
  // -(L_mu-1)/2 .. L_mu/2 (the last one is 0 .. L_{d-1}/2); unused entries 0.
  std::array<int, kMaxDim> half_grid_mode(index_t k) const;
  // p_mu = 2 pi n_mu / L_mu of half-grid index k; unused entries 0.
  std::array<double, kMaxDim> half_grid_momentum(index_t k) const;
  // How many full-grid momenta half-grid index k stands for (k and -k): 1 or
  // 2, so that sum over all p of f(p) = sum_k multiplicity(k) f(k) for f(p) = f(-p).
  int half_grid_multiplicity(index_t k) const;
  // Half-grid index holding |phi~(p)|^2 for integer modes n (any integers,
  // taken modulo L_mu; if n lies in the other half, the index of -n, which
  // holds the same value for a real field).
  index_t half_grid_index(const std::array<int, kMaxDim>& n) const;

  const Geometry& geometry() const { return geom_; }
  index_t max_batch() const override { return max_batch_; }

 private:
  void check(const Field& phi, index_t n) const;
  // FFT of configurations 0..n-1 of phi: fills power_ and g_ (first n rows).
  void transform(const Field& phi, index_t n);

  Geometry geom_;
  std::vector<std::pair<std::string, double>> by_symmetry_;
  index_t max_batch_, volume_, half_volume_;
  FftwPlan fft_;
  BatchScalar sum_phi_, sum_phi2_;  // device, [max_batch]
  Kokkos::View<real_t*, HostSpace> sum_phi_host_, sum_phi2_host_, action_host_;
  std::vector<double> power_;  // [max_batch][half_volume]
  std::vector<double> g_;      // [max_batch][V]
  std::vector<index_t> unit_sites_;   // site of mu-hat, mu = 0..d-1
  std::vector<index_t> p1_indices_;   // half-grid index of 2 pi/L_mu e_mu (L_mu > 1)
};

}  // namespace flowlat
