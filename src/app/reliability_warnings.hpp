// The loud lines for a Monte Carlo chain whose error estimate cannot be
// trusted, one rule each, shared by `sample` (at the end of the run) and
// `analyze` (from the file).
#pragma once
#include <string>

#include "flowlat/analysis/chain_diagnostics.hpp"
#include "flowlat/flow/importance_weights.hpp"

namespace flowlat {

// A chain that sat in one configuration for more than this fraction of its
// length has few independent stretches.
inline constexpr double kStuckFraction = 0.01;

// "HEAVY TAIL: ..." when Pareto k^ > kParetoKLimit, else "".
std::string heavy_tail_warning(const WeightDiagnostics& weights);
// "STUCK: ..." when the longest stay exceeds kStuckFraction, else "".
std::string stuck_warning(const LongestStay& stay);

}  // namespace flowlat
