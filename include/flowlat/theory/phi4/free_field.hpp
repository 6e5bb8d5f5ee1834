// Exact results of the free scalar field (lambda = 0, m^2 > 0) on a finite
// periodic lattice, in the action convention of PHYSICS.md.
#pragma once
#include <array>
#include <vector>

#include "flowlat/lattice/geometry.hpp"

namespace flowlat::free_field {

// p-hat^2 = sum_mu 4 sin^2(p_mu / 2), p_mu = 2 pi n_mu / L_mu.
double p_hat_squared(const Geometry& g, const std::array<int, kMaxDim>& n);
// <phi(x) phi(0)> = (1/2V) sum_p cos(p.x) / (p-hat^2 + m^2).
double propagator(const Geometry& g, double m2, const std::array<int, kMaxDim>& x);
// All of G(x), indexed by site.
std::vector<double> propagator_all(const Geometry& g, double m2);
// <|phi~(p)|^2> = V / (2 (p-hat^2 + m^2)) with FFTW's unnormalised transform.
double momentum_power(const Geometry& g, double m2, const std::array<int, kMaxDim>& n);
// chi_2 = <M^2>/V = 1/(2 m^2).
double susceptibility(double m2);
// Ising energy (1/d) sum_mu G(mu-hat) and the zero-momentum correlator C(t).
double ising_energy(const Geometry& g, double m2);
std::vector<double> zero_momentum_correlator(const Geometry& g, double m2);

}  // namespace flowlat::free_field
