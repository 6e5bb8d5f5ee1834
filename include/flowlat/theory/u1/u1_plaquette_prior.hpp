// A base distribution for 2D U(1) flows that is already close to the target:
// every plaquette but one drawn from the single-plaquette distribution
// e^{beta cos theta_P} / I0(beta) (von Mises), the last fixed by the
// constraint that the plaquettes of the torus sum to 0 mod 2 pi, and the two
// holonomies uniform (flow.prior = plaquette).
//
// Why it is exact to use: on the 2D torus the link angles map onto (gauge
// directions, V - 1 free plaquettes, 2 holonomies) by a homomorphism of tori,
// which carries the Haar measure to the Haar measure. So
//   r(U) = prod_{P != last} e^{beta cos theta_P(U)} / I0(beta)
// is a density with respect to Haar on the links, gauge invariant, and the
// configurations built here (in one fixed gauge) have r's distribution on
// gauge orbits; a gauge-equivariant flow on top and the gauge-invariant
// target make the accept/reject step see only orbits. The target differs
// from r by the factor e^{beta cos theta_last}: importance weights vary by at
// most e^{2 beta} whatever the volume, where a Haar prior's vary by
// e^{2 beta V}. This is the 2D structure (no Bianchi identity between
// plaquettes) and does not carry over to d > 2, which gives a clear error.
#pragma once
#include <string>

#include "flowlat/flow/prior.hpp"
#include "flowlat/lattice/geometry.hpp"

namespace flowlat {

class U1PlaquettePrior final : public Prior {
 public:
  U1PlaquettePrior(const Geometry& geometry, double beta);
  std::string name() const override { return "plaquette"; }
  // z(b, .) from CounterRng(seed, first_stream + b): plaquette p's von Mises
  // trials at (purpose, step, (first_element + p) * 65 + t), the holonomies
  // at p = V (first_element counts configurations' worth of 2V elements, as
  // for the Haar prior, so draws of one step never share counters).
  void draw(const Field& z, index_t n, std::uint64_t seed, std::int64_t first_stream,
            RandomPurpose purpose, std::uint32_t step,
            std::uint64_t first_element = 0) const override;
  void log_density(const Field& z, index_t n, const BatchScalar& log_r) const override;
  void log_density_gradient(const Field& z, index_t n, const BatchScalar& grad_log_r,
                            const Field& g) const override;
  // The plaquette left to the constraint: at the last site.
  index_t last_plaquette() const { return geometry_.volume() - 1; }

 private:
  Geometry geometry_;
  double beta_, log_i0_;
};

}  // namespace flowlat
