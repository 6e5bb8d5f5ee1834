// Free-field exact values by direct momentum sums (no FFT: an independent path).
#include "flowlat/theory/phi4/free_field.hpp"

#include <cmath>

namespace flowlat::free_field {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

double p_hat_squared(const Geometry& g, const std::array<int, kMaxDim>& n) {
  double s = 0;
  for (int mu = 0; mu < g.dim(); ++mu) {
    const double half = kPi * n[mu] / g.extent(mu);
    s += 4 * std::sin(half) * std::sin(half);
  }
  return s;
}

double propagator(const Geometry& g, double m2, const std::array<int, kMaxDim>& x) {
  double sum = 0;
  for (index_t k = 0; k < g.volume(); ++k) {
    const auto n = g.coords(k);
    double px = 0;
    for (int mu = 0; mu < g.dim(); ++mu) px += 2 * kPi * double(n[mu]) * x[mu] / g.extent(mu);
    sum += std::cos(px) / (p_hat_squared(g, n) + m2);
  }
  return sum / (2.0 * double(g.volume()));
}

std::vector<double> propagator_all(const Geometry& g, double m2) {
  std::vector<double> G(g.volume());
  for (index_t x = 0; x < g.volume(); ++x) G[x] = propagator(g, m2, g.coords(x));
  return G;
}

double momentum_power(const Geometry& g, double m2, const std::array<int, kMaxDim>& n) {
  return double(g.volume()) / (2 * (p_hat_squared(g, n) + m2));
}

double susceptibility(double m2) { return 1.0 / (2.0 * m2); }

double ising_energy(const Geometry& g, double m2) {
  double e = 0;
  for (int mu = 0; mu < g.dim(); ++mu) {
    std::array<int, kMaxDim> x{0, 0, 0, 0};
    x[mu] = 1;
    e += propagator(g, m2, x);
  }
  return e / g.dim();
}

std::vector<double> zero_momentum_correlator(const Geometry& g, double m2) {
  const auto G = propagator_all(g, m2);
  std::vector<double> C(g.extent(0), 0.0);
  for (index_t x = 0; x < g.volume(); ++x) C[g.coords(x)[0]] += G[x];
  return C;
}

}  // namespace flowlat::free_field
