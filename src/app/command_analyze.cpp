// `flowlat analyze FILE [FILE ...]`: Gamma-method means, errors and tau_int of
// every observable of one or more ensembles, side by side, recomputed from the
// stored time series (not from the run's own summary). With two files the last
// column is their difference in units of the combined error.
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "flowlat/analysis/chain_diagnostics.hpp"
#include "flowlat/analysis/gamma_method.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/flow/importance_weights.hpp"
#include "flowlat/io/ensemble_reader.hpp"

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

struct Column {
  std::string path, sampler, label;
  std::vector<std::string> names;
  std::vector<GammaResult> results;
  std::vector<double> binned;        // binning error per row, next to the Gamma method's
  std::vector<std::string> warnings;  // what makes this ensemble's errors untrustworthy
  const GammaResult* find(const std::string& name) const {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return &results[i];
    return nullptr;
  }
};

Column analyze_file(const std::string& path) {
  const EnsembleReader r(path);
  Column c;
  c.path = path;
  c.sampler = r.has_root_attr("sampler") ? r.root_attr("sampler") : "?";
  const std::int64_t n_chain = r.n_chain(), n_saved = r.n_saved();
  std::string couplings;
  for (const auto& key : r.config_keys())
    if (key.rfind("theory.", 0) == 0 && key != "theory.name")
      couplings += (couplings.empty() ? "" : " ") + key.substr(7) + "=" + r.config_value(key);
  std::int64_t volume = 1;
  for (auto e : r.field_shape()) volume *= e;
  c.label = c.sampler + ", " + r.config_value("lattice.shape") + " " +
            r.config_value("theory.name") + " " + couplings + ", " + std::to_string(n_chain) +
            " x " + std::to_string(n_saved) + " saved" + (r.complete() ? "" : ", INCOMPLETE");
  auto add = [&](const std::string& name, const std::vector<double>& data) {
    if (data.empty() || n_chain == 0) return;
    c.names.push_back(name);
    c.results.push_back(gamma_method_chains(data, n_chain));
    std::int64_t bin = 0;
    c.binned.push_back(binned_error(data, n_chain, bin));
  };
  char text[320];
  for (const auto& name : r.obs_names()) {
    std::vector<double> data = r.obs(name);
    add(name, data);
    if (name == "absM") {
      for (double& v : data) v /= double(volume);
      add("absM_per_site", data);
    }
  }
  // M of a theory with a phi -> -phi symmetry: <M> = 0 exactly, so a
  // significant mean says the chain did not cross between the two signs
  for (const auto& name : r.obs_names())
    if (const auto symmetric = r.obs_expectation_by_symmetry(name); symmetric && c.find(name)) {
      const double expected = *symmetric;
      const GammaResult& g = *c.find(name);
      if (g.error > 0 && std::abs(g.mean - expected) > 3 * g.error) {
        std::snprintf(text, sizeof text,
                      "NOT MIXING: <%s> = %.4g +- %.2g, but it is %g by symmetry (%.1f sigma): the "
                      "chain did not move between the symmetric sectors",
                      name.c_str(), g.mean, g.error, expected, (g.mean - expected) / g.error);
        c.warnings.emplace_back(text);
      }
    }
  for (const auto& name : r.record_names()) {
    if (name == "accept" || name == "accept_hmc" || name == "moved_by_flow") {
      const std::vector<double> accept = r.record(name);
      add(name == "accept" ? "acceptance" : name, accept);
      if (name == "moved_by_flow") continue;  // the HMC flag is the chain's stay
      const LongestStay stay = longest_stay(accept, n_chain);
      std::snprintf(text, sizeof text, ", longest stay %lld (%.2f%%)", (long long)stay.updates,
                    100 * stay.fraction);
      c.label += text;
      if (stay.fraction > 0.01) {
        std::snprintf(text, sizeof text,
                      "STUCK: a chain stayed in one configuration for %.1f%% of its length",
                      100 * stay.fraction);
        c.warnings.emplace_back(text);
      }
    }
    if (name == "log_weight") {  // flow-MH: the recorded proposals' weights
      const WeightDiagnostics w = weight_diagnostics(r.record(name));
      std::snprintf(text, sizeof text, ", ESS/N %.4f, max weight %.3g, Pareto k^ %.2f",
                    w.ess_per_sample, w.max_weight, w.pareto_k);
      c.label += text;
      if (w.pareto_k > kParetoKLimit) {
        std::snprintf(text, sizeof text,
                      "HEAVY TAIL: Pareto k^ = %.2f > %.1f: the importance weights' variance is "
                      "effectively infinite; errors of this flow-MH chain are unreliable",
                      w.pareto_k, kParetoKLimit);
        c.warnings.emplace_back(text);
      }
    }
  }
  return c;
}

}  // namespace

int command_analyze(const std::vector<std::string>& paths, std::ostream& out) {
  if (paths.empty()) throw InputError("analyze: expected one or more ensemble files");
  std::vector<Column> columns;
  for (const auto& path : paths) columns.push_back(analyze_file(path));

  out << "Gamma method (Wolff, S = 1.5), errors in the last digits, tau_int in saved "
         "configurations; bin/G: binning error over the Gamma-method error\n";
  for (std::size_t i = 0; i < columns.size(); ++i)
    out << "  [" << i + 1 << "] " << columns[i].path << ": " << columns[i].label << "\n";
  // rows: the observables of the first file, then any only the others have
  std::vector<std::string> rows;
  for (const auto& c : columns)
    for (const auto& name : c.names) {
      bool seen = false;
      for (const auto& r : rows) seen = seen || r == name;
      if (!seen) rows.push_back(name);
    }
  char text[96];
  std::snprintf(text, sizeof text, "%-16s", "observable");
  out << text;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    std::snprintf(text, sizeof text, " %24s %7s %6s", ("[" + std::to_string(i + 1) + "]").c_str(),
                  "tau_int", "bin/G");
    out << text;
  }
  if (columns.size() == 2) out << "   [1]-[2]";
  out << "\n";
  bool unreliable = false, disagree = false;
  for (const auto& row : rows) {
    std::snprintf(text, sizeof text, "%-16s", row.c_str());
    out << text;
    for (const auto& c : columns) {
      const GammaResult* r = c.find(row);
      if (r) {
        // fewer than ~50 independent measurements: the error itself is unreliable
        const bool thin = double(r->n) < 100 * r->tau_int;
        unreliable = unreliable || thin;
        // two independent error estimates: 64+ bins leave ~10% scatter, so a
        // factor 1.5 between them means one of them has not converged
        const double ratio = r->error > 0 ? c.binned[std::size_t(r - c.results.data())] / r->error : 1;
        const bool apart = ratio > 1.5 || ratio < 1 / 1.5;
        disagree = disagree || apart;
        std::snprintf(text, sizeof text, " %24s %6.2f%s %5.2f%s",
                      value_with_error(r->mean, r->error).c_str(), r->tau_int, thin ? "!" : " ",
                      ratio, apart ? "?" : " ");
      }
      else
        std::snprintf(text, sizeof text, " %24s %7s %6s", "-", "", "");
      out << text;
    }
    if (columns.size() == 2 && row != "acceptance") {  // samplers differ by design
      const GammaResult *a = columns[0].find(row), *b = columns[1].find(row);
      if (a && b && a->error * a->error + b->error * b->error > 0) {
        std::snprintf(text, sizeof text, "  %+6.2f sigma",
                      (a->mean - b->mean) / std::sqrt(a->error * a->error + b->error * b->error));
        out << text;
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
    for (const auto& w : columns[i].warnings) out << "WARNING [" << i + 1 << "] " << w << "\n";
  return 0;
}

}  // namespace flowlat
