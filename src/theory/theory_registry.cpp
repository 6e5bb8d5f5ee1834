// The list of theories, and the keys they add to the input.
#include "flowlat/theory/theory_registry.hpp"

#include "flowlat/core/error.hpp"
#include "flowlat/theory/phi4/phi4_plugin.hpp"
#include "flowlat/theory/u1/u1_plugin.hpp"

namespace flowlat {

const std::vector<TheoryPlugin>& theory_plugins() {
  static const std::vector<TheoryPlugin> plugins = {phi4_plugin(), u1_plugin()};
  return plugins;
}

const std::vector<TheoryKeys>& theory_keys() {
  static const std::vector<TheoryKeys> keys = [] {
    std::vector<TheoryKeys> out;
    for (const auto& p : theory_plugins()) out.push_back(p.keys);
    return out;
  }();
  return keys;
}

std::unique_ptr<Theory> make_theory(const Config& config, const Geometry& geometry) {
  for (const auto& p : theory_plugins())
    if (p.keys.theory == config.theory()) return p.make(config, geometry);
  throw InputError("theory.name: unknown theory '" + config.theory() + "'");
}

}  // namespace flowlat
