// `flowlat analyze --json`: the numbers of the analyze table as one JSON
// document on stdout, for scripts (layout in docs/FILE_FORMAT.md).
#pragma once
#include <iosfwd>
#include <vector>

#include "ensemble_analysis.hpp"

namespace flowlat {

void write_analysis_json(const std::vector<EnsembleAnalysis>& files, std::ostream& out);

}  // namespace flowlat
