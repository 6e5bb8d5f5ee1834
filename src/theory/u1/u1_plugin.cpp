// U(1)'s keys and factory.
#include "flowlat/theory/u1/u1_plugin.hpp"

#include "flowlat/theory/u1/u1.hpp"

namespace flowlat {

namespace {
std::unique_ptr<Theory> make_u1(const Config& config, const Geometry& geometry) {
  return std::make_unique<U1>(geometry, config.get_real("theory.beta"));
}
}  // namespace

TheoryPlugin u1_plugin() {
  TheoryPlugin p;
  p.keys.theory = "u1";
  p.keys.keys = {
      keys::real("theory.beta", "2", "inverse coupling beta of the Wilson action", 0),
      keys::integer("metropolis.overrelaxation", "2",
                    "over-relaxation sweeps after each heat-bath sweep", 0, 1024),
      keys::choice("flow.coupling", "ncp", {"ncp", "spline"},
                   "gauge-equivariant coupling on plaquettes: ncp = mixture of non-compact "
                   "projections and a rotation (Kanwar et al.; the tutorial), spline = circular "
                   "rational-quadratic spline and a rotation (Rezende et al. 2020)"),
      keys::integer("flow.components", "2",
                    "size of each plaquette map: NCP mixture components, or spline bins", 1, 16),
      keys::choice("flow.prior", "haar", {"haar", "plaquette"},
                   "base distribution of the flow: haar = uniform links (the tutorial), "
                   "plaquette = every plaquette but one from e^{beta cos theta_P} and the "
                   "holonomies uniform (2D only; close to the target at any beta: "
                   "docs/U1_TOPOLOGY.md)"),
  };
  p.keys.defaults = {{"run.output", "runs/u1_hmc.h5"}, {"flow.model", "runs/u1_flow.model.h5"}};
  p.make = make_u1;
  return p;
}

}  // namespace flowlat
