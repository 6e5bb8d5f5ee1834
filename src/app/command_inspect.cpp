// `flowlat inspect FILE`: what an ensemble or model file holds, in a page of text.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>

#include "commands.hpp"
#include "flowlat/core/comma_list.hpp"
#include "flowlat/flow/flow_config.hpp"
#include "flowlat/io/ensemble_reader.hpp"
#include "flowlat/io/model_file.hpp"

namespace flowlat {

namespace {

std::string line(const char* label, const std::string& value) {
  char head[32];
  std::snprintf(head, sizeof head, "%-14s", label);
  return std::string(head) + value + "\n";
}

std::string number(double v) {
  char text[40];
  std::snprintf(text, sizeof text, "%.10g", v);
  return text;
}

// Mean and naive standard error (no autocorrelation) of every value.
struct MeanError {
  double mean = 0, error = 0;
  bool has_error = false;
};
MeanError mean_error(const std::vector<double>& v) {
  MeanError r;
  if (v.empty()) return r;
  for (double x : v) r.mean += x;
  r.mean /= double(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v) ss += (x - r.mean) * (x - r.mean);
    r.error = std::sqrt(ss / double(v.size() - 1) / double(v.size()));
    r.has_error = true;
  }
  return r;
}

// A model file: what was trained, on what, how far, and how well.
int inspect_model(const std::string& path, std::ostream& out) {
  const ModelFileContents m = read_model_file(path);
  const FlowArchitecture& a = m.architecture;
  std::string couplings;
  for (const auto& [name, value] : m.couplings)
    couplings += (couplings.empty() ? "" : " ") + name + "=" + number(value);
  out << line("file", path + " (flowlat model)");
  out << line("theory", m.theory_name + " " + couplings + " on " + comma_list(m.shape));
  std::string options;  // every architecture key but the two in front
  for (const auto& [key, value] : m.architecture_keys)
    if (key != "flow.layers" && key != "flow.coupling")
      options += (options.empty() ? "" : ", ") + key.substr(5) + " " + value;
  out << line("flow", std::to_string(a.n_layers) + " " + a.coupling_type + " couplings; " +
                          options);
  out << line("parameters", std::to_string(m.parameters.size()) + " (hash " + m.params_hash +
                                "; networks trained in " + m.trained_precision + ")");
  out << line("trained", std::to_string(m.adam_step) + " Adam steps" +
                             (m.has_optimizer ? ", optimizer state kept" : ""));
  const TrainingHistory& h = m.history;
  if (h.size() > 0) {
    const TrainingHistory::Means last = h.means_of_last(std::max<std::size_t>(h.size() / 10, 1));
    char text[200];
    std::snprintf(text, sizeof text,
                  "last %zu steps: loss %.5g, ESS/N %.4f, expected MH acceptance %.3f; %.1f s",
                  last.window, last.loss, last.ess, last.acceptance, h.wall_time.back());
    out << line("history", text);
  }
  return 0;
}

}  // namespace

int command_inspect(const std::string& path, std::ostream& out) {
  if (is_model_file(path)) return inspect_model(path, out);
  const EnsembleReader r(path);
  auto root = [&](const std::string& name) {
    return r.has_root_attr(name) ? r.root_attr(name) : std::string("?");
  };
  auto config = [&](const std::string& key) {
    return r.has_config_value(key) ? r.config_value(key) : std::string("?");
  };

  out << line("file", path);
  out << line("flowlat", root("flowlat_version") + " (commit " + root("git_commit") + ")");
  out << line("created", root("created_utc"));
  out << line("command line", root("command_line"));
  out << line("ranks", root("n_ranks"));
  out << line("sampler", root("sampler"));
  out << line("complete", r.complete() ? std::string("yes")
                                       : std::string("no (the run did not finish; the flushed "
                                                     "blocks below are readable; run.resume = "
                                                     "true continues it)"));
  if (r.has_root_attr("resumed")) {  // one line per continuation
    std::string text = r.root_attr("resumed"), label = "resumed";
    for (std::size_t start = 0, end; start < text.size(); start = end + 1) {
      end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out << line(label.c_str(), text.substr(start, end - start));
      label.clear();
    }
  }

  // theory name and couplings: every /config theory.* key
  std::string couplings;
  for (const auto& key : r.config_keys())
    if (key.rfind("theory.", 0) == 0 && key != "theory.name")
      couplings += (couplings.empty() ? "" : ", ") + key.substr(7) + " = " + r.config_value(key);
  out << line("theory", config("theory.name") + (couplings.empty() ? "" : "  (" + couplings + ")"));

  std::string lattice = config("lattice.shape");
  for (char& c : lattice)
    if (c == ',') c = 'x';
  out << line("lattice", lattice);
  std::string field;
  std::int64_t dof = 1;
  for (auto e : r.field_shape()) {
    field += (field.empty() ? "" : "x") + std::to_string(e);
    dof *= e;
  }
  out << line("field shape", field + " (" + std::to_string(dof) + " dof per configuration)");
  const std::int64_t n_chain = r.n_chain(), n_saved = r.n_saved(), n_records = r.n_records();
  out << line("chains", std::to_string(n_chain));
  out << line("saved", std::to_string(n_saved) + " configurations per chain");
  out << line("records", std::to_string(n_records) + " MCMC records per chain");

  const auto obs = r.obs_names();
  if (!obs.empty()) {
    out << "observables   mean over all chains and saved configurations, naive error "
           "(ignores autocorrelation):\n";
    for (const auto& name : obs) {
      const MeanError m = mean_error(r.obs(name));
      char text[160];
      if (n_chain * n_saved == 0)
        std::snprintf(text, sizeof text, "  %-20s (no data)\n", name.c_str());
      else if (m.has_error)
        std::snprintf(text, sizeof text, "  %-20s %16.8g +- %-12.4g (naive)\n", name.c_str(),
                      m.mean, m.error);
      else
        std::snprintf(text, sizeof text, "  %-20s %16.8g\n", name.c_str(), m.mean);
      out << text;
    }
  }
  const auto corr = r.corr_names();
  if (!corr.empty()) {
    std::string list;
    for (const auto& name : corr)
      list += (list.empty() ? "" : ", ") + name + "[" + std::to_string(r.corr_length(name)) + "]";
    out << line("correlators", list);
  }
  const auto records = r.record_names();
  if (!records.empty()) {
    std::string list;
    for (const auto& name : records) list += (list.empty() ? "" : ", ") + name;
    out << line("mcmc records", list);
  }
  for (const auto& name : records)
    if (name == "accept") {
      const MeanError m = mean_error(r.record(name));
      out << line("acceptance", n_chain * n_records == 0
                                    ? std::string("(no records)")
                                    : number(m.mean) + " (mean of accept over all chains and records)");
    }

  // name, name_error, name_tau_int (what the samplers write) on one line
  const auto summary = r.summary();
  if (!summary.empty()) {
    out << "summary       written by the run at its end (Gamma method):\n";
    auto find = [&](const std::string& name, double& value) {
      for (const auto& [n, v] : summary)
        if (n == name) return value = v, true;
      return false;
    };
    auto ends_with = [](const std::string& s, const std::string& tail) {
      return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
    };
    for (const auto& [name, value] : summary) {
      double error = 0, tau = 0;
      const bool has_error = find(name + "_error", error), has_tau = find(name + "_tau_int", tau);
      double unused;
      if ((ends_with(name, "_error") && find(name.substr(0, name.size() - 6), unused)) ||
          (ends_with(name, "_tau_int") && find(name.substr(0, name.size() - 8), unused)))
        continue;  // printed with its observable
      char text[200];
      int used = std::snprintf(text, sizeof text, "  %-22s %16.8g", name.c_str(), value);
      if (has_error && used > 0 && used < int(sizeof text))
        used += std::snprintf(text + used, sizeof text - std::size_t(used), " +- %-12.4g", error);
      if (has_tau && used > 0 && used < int(sizeof text))
        std::snprintf(text + used, sizeof text - std::size_t(used), " tau_int %.2f", tau);
      out << text << "\n";
    }
  }
  return 0;
}

}  // namespace flowlat
