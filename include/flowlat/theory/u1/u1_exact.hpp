// Exact results of 2D compact U(1) with the Wilson action S = -beta sum_P cos theta_P
// on an L0 x L1 torus of V = L0 L1 plaquettes, normalised Haar measure (PHYSICS.md).
//
// On the torus the plaquette angles are V independent Haar angles whose sum is 0 mod 2 pi
// (the holonomies drop out), so everything follows from the character expansion:
// Z = sum_n I_n(beta)^V. Host code in double precision; every function is valid for
// 0 <= beta <= 20 and 1 <= V <= 10^12 (sums are done relative to their largest term).
#pragma once

namespace flowlat::u1_exact {

// Modified Bessel function I_n(beta), beta >= 0, any integer n (I_-n = I_n).
double bessel_i(int n, double beta);

// ln Z = ln sum_n I_n(beta)^V (normalised Haar measure: Z = 1 at beta = 0).
double log_partition_function(double beta, long long V);

// <cos theta_P> = (1/V) d ln Z / d beta.
double mean_plaquette(double beta, long long V);

// <Q^2> of the geometric charge Q = (1/2 pi) sum_P wrap(theta_P), wrap to [-pi, pi).
// Accuracy 1e-13 relative plus 1e-15 V chi_t(infinite V) absolute: the character sum cancels
// where <Q^2> is exponentially small (V = 3: 5.8e-7 at beta = 4, ~1e-35 at beta = 20, returned
// as 0).
double mean_q2(double beta, long long V);

// chi_t = <Q^2> / V, and its V -> infinity limit
// (1/4 pi^2) int phi^2 e^{beta cos phi} / int e^{beta cos phi} over [-pi, pi].
double topological_susceptibility(double beta, long long V);
double topological_susceptibility_infinite_volume(double beta);

// <Re W> of a planar contractible loop enclosing `area` plaquettes (0 <= area <= V):
// sum_n I_{n+1}^A I_n^{V-A} / sum_n I_n^V. Symmetric under A -> V - A (the loop bounds its
// complement too). With A = R L_t it is also the Polyakov-loop correlator <P(0) P*(R)>.
double wilson_loop(double beta, long long V, long long area);

// The character f(nu) = (1/2 pi) int_{-pi}^{pi} e^{beta cos phi} cos(nu phi) d phi at
// nu = n + theta/2 pi and its first two theta-derivatives at theta = 0 (PHYSICS.md's f_n,
// f_n', f_n''), all scaled by e^{-beta}. The derivatives are Gauss-Legendre quadratures
// with `nodes` points; mean_q2 uses kQuadratureNodes (public so a test can show that
// this many has converged).
struct ThetaDerivatives {
  double f, df, d2f;
};
inline constexpr int kQuadratureNodes = 256;
// The largest |n| the sums reach with kQuadratureNodes (mean_q2 throws std::domain_error
// beyond, far outside the documented range).
inline constexpr int kMaxCharacter = 96;
ThetaDerivatives theta_derivatives(int n, double beta, int nodes = kQuadratureNodes);

}  // namespace flowlat::u1_exact
