// Gamma method, binning and chain diagnostics of one ensemble file.
#include "ensemble_analysis.hpp"

#include <cmath>
#include <cstdio>

#include "flowlat/core/config.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/io/ensemble_reader.hpp"
#include "flowlat/theory/theory.hpp"
#include "reliability_warnings.hpp"

namespace flowlat {

namespace {

// A factor between two independent error estimates beyond which one has not
// converged: 64+ bins leave ~10% scatter.
constexpr double kErrorRatioLimit = 1.5;

void add_observable(EnsembleAnalysis& a, const std::string& name, const std::vector<double>& data) {
  if (data.empty() || a.n_chain == 0) return;
  ObservableAnalysis o;
  o.name = name;
  o.gamma = gamma_method_chains(data, a.n_chain);
  std::int64_t bin = 0;
  o.binned_error = binned_error(data, a.n_chain, bin);
  o.few_independent = double(o.gamma.n) < 100 * o.gamma.tau_int;
  const double ratio = o.binned_over_gamma();
  o.errors_disagree = ratio > kErrorRatioLimit || ratio < 1 / kErrorRatioLimit;
  a.observables.push_back(o);
}

// The theory's exact values at the file's point (none if the file's input no
// longer builds a theory with this flowlat: the table just lacks them).
std::unique_ptr<Theory> theory_of(const EnsembleReader& r) {
  try {
    Config config(r.config_value("theory.name"));
    for (const auto& key : r.config_keys())
      if (key.rfind("theory.", 0) == 0 && key != "theory.name" && config.has(key))
        config.set(key, r.config_value(key));
    config.set("lattice.shape", r.config_value("lattice.shape"));
    const Geometry geometry(config.get_int_list("lattice.shape"));
    return make_theory(config, geometry);
  } catch (const InputError&) {
    return nullptr;
  }
}

}  // namespace

const ObservableAnalysis* EnsembleAnalysis::find(const std::string& name) const {
  for (const auto& o : observables)
    if (o.name == name) return &o;
  return nullptr;
}

std::string EnsembleAnalysis::label() const {
  std::string couplings_text;
  for (const auto& [key, value] : couplings)
    couplings_text += (couplings_text.empty() ? "" : " ") + key + "=" + value;
  std::string text = sampler + ", " + shape + " " + theory + " " + couplings_text + ", " +
                     std::to_string(n_chain) + " x " + std::to_string(n_saved) + " saved" +
                     (complete ? "" : ", INCOMPLETE");
  char line[160];
  if (weights) {
    std::snprintf(line, sizeof line, ", ESS/N %.4f, max weight %.3g, Pareto k^ %.2f",
                  weights->ess_per_sample, weights->max_weight, weights->pareto_k);
    text += line;
  }
  if (longest_stay) {
    std::snprintf(line, sizeof line, ", longest stay %lld (%.2f%%)",
                  (long long)longest_stay->updates, 100 * longest_stay->fraction);
    text += line;
  }
  return text;
}

std::vector<std::string> observable_rows(const std::vector<EnsembleAnalysis>& files) {
  std::vector<std::string> rows;
  for (const auto& f : files)
    for (const auto& o : f.observables) {
      bool seen = false;
      for (const auto& r : rows) seen = seen || r == o.name;
      if (!seen) rows.push_back(o.name);
    }
  return rows;
}

std::optional<double> difference_in_sigma(const EnsembleAnalysis& a, const EnsembleAnalysis& b,
                                          const std::string& name) {
  if (name == "acceptance") return std::nullopt;  // samplers differ by design
  if (a.theory != b.theory) return std::nullopt;  // different observables under one name
  const ObservableAnalysis *x = a.find(name), *y = b.find(name);
  if (!x || !y) return std::nullopt;
  const double variance = x->gamma.error * x->gamma.error + y->gamma.error * y->gamma.error;
  if (!(variance > 0)) return std::nullopt;
  return (x->gamma.mean - y->gamma.mean) / std::sqrt(variance);
}

EnsembleAnalysis analyze_ensemble(const std::string& path) {
  const EnsembleReader r(path);
  EnsembleAnalysis a;
  a.path = path;
  a.sampler = r.has_root_attr("sampler") ? r.root_attr("sampler") : "?";
  a.theory = r.config_value("theory.name");
  a.shape = r.config_value("lattice.shape");
  for (const auto& key : r.config_keys())
    if (key.rfind("theory.", 0) == 0 && key != "theory.name")
      a.couplings.emplace_back(key.substr(7), r.config_value(key));
  a.n_chain = r.n_chain();
  a.n_saved = r.n_saved();
  a.complete = r.complete();
  std::int64_t volume = 1;
  for (auto e : r.field_shape()) volume *= e;

  for (const auto& name : r.obs_names()) {
    std::vector<double> data = r.obs(name);
    add_observable(a, name, data);
    if (name == "absM") {
      for (double& v : data) v /= double(volume);
      add_observable(a, "absM_per_site", data);
    }
  }
  const auto theory = theory_of(r);
  a.exact_log_z = theory ? theory->exact_log_partition_function() : std::nan("");
  if (theory)
    for (const auto& [name, value] : theory->exact_expectations())
      for (auto& o : a.observables)
        if (o.name == name) o.exact = value;
  char text[320];
  // M of a theory with a phi -> -phi symmetry: <M> = 0 exactly, so a
  // significant mean says the chain did not cross between the two signs
  for (const auto& name : r.obs_names())
    if (const auto symmetric = r.obs_expectation_by_symmetry(name); symmetric && a.find(name)) {
      const double expected = *symmetric;
      const GammaResult& g = a.find(name)->gamma;
      if (g.error > 0 && std::abs(g.mean - expected) > 3 * g.error) {
        std::snprintf(text, sizeof text,
                      "NOT MIXING: <%s> = %.4g +- %.2g, but it is %g by symmetry (%.1f sigma): the "
                      "chain did not move between the symmetric sectors",
                      name.c_str(), g.mean, g.error, expected, (g.mean - expected) / g.error);
        a.warnings.emplace_back(text);
      }
    }
  for (const auto& name : r.record_names()) {
    if (name == "accept" || name == "accept_hmc" || name == "moved_by_flow") {
      const std::vector<double> accept = r.record(name);
      add_observable(a, name == "accept" ? "acceptance" : name, accept);
      if (name == "moved_by_flow") continue;  // the HMC flag is the chain's stay
      a.longest_stay = longest_stay(accept, a.n_chain);
      if (const std::string w = stuck_warning(*a.longest_stay); !w.empty()) a.warnings.push_back(w);
    }
    if (name == "log_weight") {  // flow-MH: the recorded proposals' weights
      a.weights = weight_diagnostics(r.record(name));
      a.free_energy = nis_free_energy(r.record(name));
      if (const std::string w = heavy_tail_warning(*a.weights); !w.empty()) a.warnings.push_back(w);
    }
  }
  return a;
}

}  // namespace flowlat
