// phi4's entry in the theory registry: theory.m2, theory.lambda, the affine
// flow's keys, and the factory.
#pragma once
#include "flowlat/theory/theory_registry.hpp"

namespace flowlat {

TheoryPlugin phi4_plugin();

}  // namespace flowlat
