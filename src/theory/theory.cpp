// Theory base and the factory that maps theory.name to an implementation.
#include "flowlat/theory/theory.hpp"

#include "flowlat/core/config.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/theory/phi4.hpp"

namespace flowlat {

index_t Theory::dof() const {
  index_t n = 1;
  for (auto e : field_shape()) n *= e;
  return n;
}

std::unique_ptr<Theory> make_theory(const Config& config, const Geometry& geometry) {
  const std::string& name = config.get_string("theory.name");
  if (name == "phi4") {
    const double m2 = config.get_real("theory.m2"), lambda = config.get_real("theory.lambda");
    // Without the quartic term the action is bounded below only if the
    // quadratic form is positive: its smallest eigenvalue (zero momentum) is
    // m2. HMC would otherwise run off to infinity and write NaN ensembles.
    if (lambda == 0 && !(m2 > 0))
      throw InputError("theory.m2: the free field (theory.lambda = 0) needs m2 > 0, got " +
                       config.get_string("theory.m2") + " (the action is unbounded below)");
    return std::make_unique<Phi4>(geometry, m2, lambda);
  }
  throw InputError("theory.name: unknown theory '" + name + "'");
}

}  // namespace flowlat
