// `flowlat analyze [--json] FILE [FILE ...]`: Gamma-method means, errors and
// tau_int of every observable of one or more ensembles, side by side,
// recomputed from the stored time series (not from the run's own summary).
// With two files the last column is their difference in units of the combined
// error. --json: the same numbers as JSON (analyze_json.cpp).
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "analyze_json.hpp"
#include "commands.hpp"
#include "ensemble_analysis.hpp"
#include "flowlat/core/error.hpp"

namespace flowlat {

namespace {

// 0.08790(13): the error in units of the last two digits shown.
std::string value_with_error(double value, double error) {
  char text[64];
  if (!(error > 0) || !std::isfinite(error)) {
    std::snprintf(text, sizeof text, "%.8g", value);
    return text;
  }
  int decimals = 1 - int(std::floor(std::log10(error)));  // two significant digits of the error
  if (decimals < 0) decimals = 0;
  if (decimals > 15) decimals = 15;
  const double digits = std::round(error * std::pow(10.0, decimals));
  std::snprintf(text, sizeof text, "%.*f(%.0f)", decimals, value, digits);
  return text;
}

}  // namespace

int command_analyze(const std::vector<std::string>& paths, AnalyzeOutput format,
                    std::ostream& out) {
  if (paths.empty()) throw InputError("analyze: expected one or more ensemble files");
  std::vector<EnsembleAnalysis> columns;
  for (const auto& path : paths) columns.push_back(analyze_ensemble(path));
  if (format == AnalyzeOutput::Json) {
    write_analysis_json(columns, out);
    return 0;
  }

  out << "Gamma method (Wolff, S = 1.5), errors in the last digits, tau_int in saved "
         "configurations; bin/G: binning error over the Gamma-method error\n";
  for (std::size_t i = 0; i < columns.size(); ++i)
    out << "  [" << i + 1 << "] " << columns[i].path << ": " << columns[i].label() << "\n";
  char text[96];
  std::snprintf(text, sizeof text, "%-16s", "observable");
  out << text;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    std::snprintf(text, sizeof text, " %24s %7s %6s", ("[" + std::to_string(i + 1) + "]").c_str(),
                  "tau_int", "bin/G");
    out << text;
  }
  bool any_exact = false;
  for (const auto& c : columns)
    for (const auto& o : c.observables) any_exact = any_exact || o.exact.has_value();
  if (columns.size() == 2) out << "   [1]-[2]     ";
  if (any_exact) out << "   exact (each file's distance from it)";
  out << "\n";
  bool unreliable = false, disagree = false;
  for (const auto& row : observable_rows(columns)) {
    std::snprintf(text, sizeof text, "%-16s", row.c_str());
    out << text;
    for (const auto& c : columns) {
      if (const ObservableAnalysis* o = c.find(row)) {
        unreliable = unreliable || o->few_independent;
        disagree = disagree || o->errors_disagree;
        std::snprintf(text, sizeof text, " %24s %6.2f%s %5.2f%s",
                      value_with_error(o->gamma.mean, o->gamma.error).c_str(), o->gamma.tau_int,
                      o->few_independent ? "!" : " ", o->binned_over_gamma(),
                      o->errors_disagree ? "?" : " ");
      } else {
        std::snprintf(text, sizeof text, " %24s %7s %6s", "-", "", "");
      }
      out << text;
    }
    if (columns.size() == 2) {
      if (const auto sigma = difference_in_sigma(columns[0], columns[1], row)) {
        std::snprintf(text, sizeof text, "  %+6.2f sigma", *sigma);
        out << text;
      } else if (any_exact) {
        out << "              ";
      }
    }
    // the exact value (each file's own where the files are at different points)
    std::vector<const ObservableAnalysis*> with_exact;
    for (const auto& c : columns) with_exact.push_back(c.find(row));
    bool same_exact = true, any = false;
    double first = 0;
    for (const auto* o : with_exact)
      if (o && o->exact) {
        if (any && *o->exact != first) same_exact = false;
        if (!any) first = *o->exact;
        any = true;
      }
    if (any && same_exact) {
      std::snprintf(text, sizeof text, "   %.10g", first);
      out << text;
    }
    if (any)
      for (const auto* o : with_exact) {
        if (o && o->exact && !same_exact) {
          std::snprintf(text, sizeof text, "   %.10g", *o->exact);
          out << text;
        }
        if (o && o->sigma_from_exact()) {
          std::snprintf(text, sizeof text, " %+.2f", *o->sigma_from_exact());
          out << text;
        } else {
          out << "   -";
        }
      }
    out << "\n";
  }
  if (unreliable)
    out << "! N < 100 tau_int: fewer than ~50 independent measurements, the error estimate "
           "itself is unreliable (run longer)\n";
  if (disagree)
    out << "? binning and Gamma-method errors differ by more than a factor 1.5: at least one "
           "has not converged (run longer)\n";
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (const auto& f = columns[i].free_energy) {
      std::snprintf(text, sizeof text, "[%zu] ln Z (NIS, %lld proposals) %s, bound <w> = %.6f", i + 1,
                    f->samples, value_with_error(f->log_z, f->error).c_str(), f->lower_bound);
      out << text;
      if (std::isfinite(columns[i].exact_log_z)) {
        std::snprintf(text, sizeof text, "; exact %.6f (%+.2f sigma)", columns[i].exact_log_z,
                      (f->log_z - columns[i].exact_log_z) / f->error);
        out << text;
      }
      out << "\n";
    }
  for (std::size_t i = 0; i < columns.size(); ++i)
    for (const auto& w : columns[i].warnings) out << "WARNING [" << i + 1 << "] " << w << "\n";
  return 0;
}

}  // namespace flowlat
