// Heavy-tailed importance weights and stuck chains, in words.
#include "reliability_warnings.hpp"

#include <cstdio>

namespace flowlat {

std::string heavy_tail_warning(const WeightDiagnostics& weights) {
  if (!(weights.pareto_k > kParetoKLimit)) return "";
  char text[256];
  std::snprintf(text, sizeof text,
                "HEAVY TAIL: Pareto k^ = %.2f > %.1f: the importance weights' variance is "
                "effectively infinite; the chain can stick for long stretches and its errors are "
                "unreliable",
                weights.pareto_k, kParetoKLimit);
  return text;
}

std::string stuck_warning(const LongestStay& stay) {
  if (!(stay.fraction > kStuckFraction)) return "";
  char text[160];
  std::snprintf(text, sizeof text,
                "STUCK: a chain stayed in one configuration for %.1f%% of its length; it has few "
                "independent stretches and its errors are unreliable",
                100 * stay.fraction);
  return text;
}

}  // namespace flowlat
