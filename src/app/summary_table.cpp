// SummaryTable: Gamma-method results as printed lines and file attributes.
#include "summary_table.hpp"

#include <cstdio>

#include "flowlat/analysis/gamma_method.hpp"

namespace flowlat {

void SummaryTable::add(const std::string& name, const std::vector<double>& data,
                       std::int64_t n_chain) {
  if (data.empty() || n_chain == 0) return;
  const GammaResult r = gamma_method_chains(data, n_chain);
  attributes_.emplace_back(name, r.mean);
  attributes_.emplace_back(name + "_error", r.error);
  attributes_.emplace_back(name + "_tau_int", r.tau_int);
  char line[200];
  std::snprintf(line, sizeof line, "  %-22s %14.8g +- %-12.4g tau_int %7.2f +- %.2f", name.c_str(),
                r.mean, r.error, r.tau_int, r.tau_int_error);
  lines_.push_back(line);
}

void SummaryTable::add_observable(const std::string& name, std::vector<double> data,
                                  std::int64_t n_chain, double volume) {
  add(name, data, n_chain);
  if (name == "absM") {
    for (double& v : data) v /= volume;
    add("absM_per_site", data, n_chain);
  }
}

void SummaryTable::add_value(const std::string& name, double value) {
  attributes_.emplace_back(name, value);
  char line[200];
  std::snprintf(line, sizeof line, "  %-22s %14.8g", name.c_str(), value);
  lines_.push_back(line);
}

void SummaryTable::print(const Log& log) const {
  log.info("  observable                       mean +- error (Gamma method, S = 1.5)");
  for (const auto& l : lines_) log.info(l);
}

}  // namespace flowlat
