// The theories this build knows: each theory's folder provides one
// TheoryPlugin (its keys and its factory), and theory_registry.cpp lists them.
// This list is the only place that names every theory.
#pragma once
#include <memory>
#include <vector>

#include "flowlat/core/config.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat {

struct TheoryPlugin {
  TheoryKeys keys;  // keys.theory is the theory.name value
  // The theory at the config's couplings; InputError naming the key for a
  // point it cannot run (an action unbounded below, an odd extent it needs even).
  std::unique_ptr<Theory> (*make)(const Config& config, const Geometry& geometry);
};

const std::vector<TheoryPlugin>& theory_plugins();

}  // namespace flowlat
