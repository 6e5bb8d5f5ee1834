// phi4's keys and factory.
#include "flowlat/theory/phi4/phi4_plugin.hpp"

#include "flowlat/core/error.hpp"
#include "flowlat/theory/phi4/phi4.hpp"

namespace flowlat {

namespace {

std::unique_ptr<Theory> make_phi4(const Config& config, const Geometry& geometry) {
  const double m2 = config.get_real("theory.m2"), lambda = config.get_real("theory.lambda");
  // Without the quartic term the action is bounded below only if the
  // quadratic form is positive: its smallest eigenvalue (zero momentum) is
  // m2. HMC would otherwise run off to infinity and write NaN ensembles.
  if (lambda == 0 && !(m2 > 0))
    throw InputError("theory.m2: the free field (theory.lambda = 0) needs m2 > 0, got " +
                     config.get_string("theory.m2") + " (the action is unbounded below)");
  return std::make_unique<Phi4>(geometry, m2, lambda);
}

}  // namespace

TheoryPlugin phi4_plugin() {
  TheoryPlugin p;
  p.keys.theory = "phi4";
  p.keys.keys = {
      keys::real("theory.m2", "-4", "phi4 bare mass squared m^2"),
      keys::real("theory.lambda", "8", "phi4 quartic coupling lambda", 0),
      keys::real("metropolis.step_size", "1.5", "proposal phi' = phi + step_size*(2u-1)", 0,
                 true),
      keys::integer("metropolis.hits", "1", "Metropolis hits per site and sweep", 1, 1024),
      keys::choice("flow.coupling", "affine", {"affine"},
                   "coupling layer: affine = real NVP, x exp(s) + t on the active sites of a "
                   "checkerboard"),
      keys::choice("flow.equivariance", "z2", {"none", "z2"},
                   "z2: s even and t odd in the frozen field, so f(-z) = -f(z) (phi -> -phi of "
                   "the action; the default), or none (the tutorial's flow)"),
      keys::boolean("flow.final_tanh", "true",
                    "tanh on the CNN output (s, t), as in the tutorial"),
  };
  p.make = make_phi4;
  return p;
}

}  // namespace flowlat
