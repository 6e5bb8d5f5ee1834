// The analyze results as JSON: per file its label fields, per observable the
// Gamma-method results, binning error and flags, and the warnings.
#include "analyze_json.hpp"

#include <cmath>

#include <cstdlib>
#include <ostream>

#include "json_writer.hpp"

namespace flowlat {

namespace {

// A coupling as stored in /config ("-4"): a JSON number when it is one.
void coupling_value(JsonWriter& j, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size())
    j.number(v);
  else
    j.string(text);
}

void write_observable(JsonWriter& j, const ObservableAnalysis& o) {
  j.key(o.name);
  j.begin_object();
  j.key("mean");
  j.number(o.gamma.mean);
  j.key("error");
  j.number(o.gamma.error);
  j.key("tau_int");
  j.number(o.gamma.tau_int);
  j.key("tau_int_error");
  j.number(o.gamma.tau_int_error);
  j.key("window");
  j.integer(o.gamma.window);
  j.key("n");
  j.integer(o.gamma.n);
  j.key("binned_error");
  j.number(o.binned_error);
  j.key("binned_over_gamma");
  j.number(o.binned_over_gamma());
  if (o.exact) {
    j.key("exact");
    j.number(*o.exact);
    j.key("sigma_from_exact");
    j.number(o.sigma_from_exact().value_or(std::nan("")));
  }
  j.key("flags");
  j.begin_object();
  j.key("few_independent");
  j.boolean(o.few_independent);
  j.key("errors_disagree");
  j.boolean(o.errors_disagree);
  j.end_object();
  j.end_object();
}

void write_file(JsonWriter& j, const EnsembleAnalysis& a) {
  j.begin_object();
  j.key("path");
  j.string(a.path);
  j.key("sampler");
  j.string(a.sampler);
  j.key("theory");
  j.string(a.theory);
  j.key("couplings");
  j.begin_object();
  for (const auto& [name, value] : a.couplings) {
    j.key(name);
    coupling_value(j, value);
  }
  j.end_object();
  j.key("lattice_shape");
  j.string(a.shape);
  j.key("n_chain");
  j.integer(a.n_chain);
  j.key("n_saved");
  j.integer(a.n_saved);
  j.key("complete");
  j.boolean(a.complete);
  if (a.longest_stay) {
    j.key("longest_stay");
    j.begin_object();
    j.key("updates");
    j.integer(a.longest_stay->updates);
    j.key("fraction");
    j.number(a.longest_stay->fraction);
    j.end_object();
  }
  if (a.weights) {
    j.key("weights");
    j.begin_object();
    j.key("ess_per_sample");
    j.number(a.weights->ess_per_sample);
    j.key("max_weight");
    j.number(a.weights->max_weight);
    j.key("pareto_k");
    j.number(a.weights->pareto_k);
    j.end_object();
  }
  if (a.free_energy) {
    j.key("free_energy");
    j.begin_object();
    j.key("log_z_nis");
    j.number(a.free_energy->log_z);
    j.key("error");
    j.number(a.free_energy->error);
    j.key("lower_bound");
    j.number(a.free_energy->lower_bound);
    j.key("samples");
    j.integer(a.free_energy->samples);
    j.key("exact");
    j.number(a.exact_log_z);  // NaN (null) where not known
    j.end_object();
  }
  j.key("observables");
  j.begin_object();
  for (const auto& o : a.observables) write_observable(j, o);
  j.end_object();
  j.key("warnings");
  j.begin_array();
  for (const auto& w : a.warnings) j.string(w);
  j.end_array();
  j.end_object();
}

}  // namespace

void write_analysis_json(const std::vector<EnsembleAnalysis>& files, std::ostream& out) {
  JsonWriter j(out);
  j.begin_object();
  j.key("method");
  j.string("Gamma method (Wolff), S = 1.5, bias-corrected; tau_int in saved configurations");
  j.key("files");
  j.begin_array();
  for (const auto& f : files) write_file(j, f);
  j.end_array();
  if (files.size() == 2) {  // the table's [1]-[2] column
    j.key("difference_in_sigma");
    j.begin_object();
    for (const auto& name : observable_rows(files))
      if (const auto d = difference_in_sigma(files[0], files[1], name)) {
        j.key(name);
        j.number(*d);
      }
    j.end_object();
  }
  j.end_object();
  j.finish();
}

}  // namespace flowlat
