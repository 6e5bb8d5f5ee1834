// Statistical errors of Monte Carlo averages with Wolff's Gamma method
// (U. Wolff, "Monte Carlo errors with less errors", Comput. Phys. Commun. 156
// (2004) 143, hep-lat/0306017; the algorithm of his UWerr), with automatic
// windowing, for primary observables and for derived quantities f(<a_1>, ...).
//
// Conventions (equation numbers of hep-lat/0306017):
//  - R replicas (independent Markov chains) r of lengths N_r, N = sum_r N_r.
//  - Gamma(t) = sum_r sum_{i < N_r - t} d_i^r d_{i+t}^r / sum_r max(N_r - t, 0),
//    d = deviation from the global mean (pooled over replicas, eq. 31);
//  - tau_int(W) = 1/2 + sum_{t=1}^W Gamma(t)/Gamma(0);
//  - window: the first W >= 1 with g(W) = exp(-W/tau(W)) - tau(W)/sqrt(W N) < 0,
//    tau(W) = S / ln((2 tau_int(W) + 1)/(2 tau_int(W) - 1)) (tiny if tau_int(W) <= 1/2)
//    (eq. 52); if none is found up to W_max = min_r N_r / 2, W = W_max;
//  - bias correction Gamma(t) += C(W)/N, C(W) = Gamma(0) + 2 sum_{t=1}^W Gamma(t) (eq. 49);
//  - error^2 = C(W)/N = 2 tau_int Gamma(0)/N with the corrected Gamma;
//  - tau_int error: 2 tau_int sqrt((W + 1/2 - tau_int)/N) (eq. 42).
// If Gamma(0) vanishes (constant data, up to rounding) the result has error 0,
// tau_int 1/2, window 0. A (rare) negative C(W), possible for anticorrelated
// data, is clipped to 0 (error 0, tau_int 0).
//
// This module does not use Kokkos. Long windows make Gamma(t) by FFTW, whose
// planner is not thread-safe: call these from one thread at a time. Bad arguments (no data, a non-positive S,
// primaries of different shapes) throw InputError.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace flowlat {

struct GammaResult {
  double mean = 0, error = 0, tau_int = 0.5, tau_int_error = 0;
  int window = 0;
  std::int64_t n = 0;  // total number of measurements N
};

// replicas: one vector per independent Markov chain (lengths may differ;
// empty replicas are ignored).
GammaResult gamma_method(const std::vector<std::vector<double>>& replicas, double S = 1.5);

// Data stored chain-major as [n_chain * n_per_chain] (what EnsembleReader
// returns); the size must be a multiple of n_chain.
GammaResult gamma_method_chains(const std::vector<double>& data, std::int64_t n_chain,
                                double S = 1.5);

// A derived quantity F = f(<a_1>, ..., <a_n>) of primaries given as
// [alpha][replica][i] (every primary with the same replica lengths), error by
// the linearised Gamma method (Wolff sec. 3.1): the fluctuations are projected
// on the gradient of f at the means, f_alpha by central differences with step
// h_alpha = sqrt(Gamma_alpha(0)/N)/100 (f_alpha = 0 for a constant primary).
// mean = f(global means) (no replica bias correction of F).
GammaResult gamma_method_derived(const std::vector<std::vector<std::vector<double>>>& primaries,
                                 const std::function<double(const std::vector<double>&)>& f,
                                 double S = 1.5);

namespace detail {
// Unnormalised-by-variance autocovariance Gamma(t), t = 0..t_max, of
// fluctuations d (already centred) pooled over replicas as above (t beyond
// every replica: 0). Direct O(N t_max) sums or an FFT (O(N log N)); the
// Gamma method picks the FFT once the direct sums would get expensive.
enum class AutocovMethod { Direct, Fft };
std::vector<double> autocovariance(const std::vector<std::vector<double>>& d, std::int64_t t_max,
                                   AutocovMethod method);
}  // namespace detail

}  // namespace flowlat
