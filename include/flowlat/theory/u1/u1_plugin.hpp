// U(1)'s entry in the theory registry: theory.beta, its local update's and
// flow's keys, its output names, and the factory.
#pragma once
#include "flowlat/theory/theory_registry.hpp"

namespace flowlat {

TheoryPlugin u1_plugin();

}  // namespace flowlat
