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
  if (name == "phi4")
    return std::make_unique<Phi4>(geometry, config.get_real("theory.m2"),
                                  config.get_real("theory.lambda"));
  throw InputError("theory.name: unknown theory '" + name + "'");
}

}  // namespace flowlat
