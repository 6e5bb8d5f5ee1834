// The analysis of one ensemble file that `flowlat analyze` reports: Gamma-method
// results, binning errors and reliability flags of every observable, what the
// file is (label fields), and warnings. Computed once, rendered as a table or
// as JSON (command_analyze.cpp, analyze_json.cpp).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flowlat/analysis/chain_diagnostics.hpp"
#include "flowlat/analysis/gamma_method.hpp"
#include "flowlat/flow/free_energy.hpp"
#include "flowlat/flow/importance_weights.hpp"

namespace flowlat {

struct ObservableAnalysis {
  std::string name;
  GammaResult gamma;
  double binned_error = 0;  // binning error of the mean, next to the Gamma method's
  // N < 100 tau_int: fewer than ~50 independent measurements, so the error
  // itself is unreliable (the table's '!')
  bool few_independent = false;
  // binning and Gamma-method errors differ by more than a factor 1.5: at least
  // one has not converged (the table's '?')
  bool errors_disagree = false;
  // The exact expectation value where the theory knows it at this point
  // (free phi4, U(1) on the 2D torus), and the mean's distance from it.
  std::optional<double> exact;
  double binned_over_gamma() const { return gamma.error > 0 ? binned_error / gamma.error : 1; }
  std::optional<double> sigma_from_exact() const {
    if (!exact || !(gamma.error > 0)) return std::nullopt;
    return (gamma.mean - *exact) / gamma.error;
  }
};

struct EnsembleAnalysis {
  std::string path, sampler, theory, shape;
  std::vector<std::pair<std::string, std::string>> couplings;  // "m2" -> "-4", as stored
  std::int64_t n_chain = 0, n_saved = 0;
  bool complete = false;
  std::optional<LongestStay> longest_stay;   // samplers with accept flags
  std::optional<WeightDiagnostics> weights;  // flow-MH: the proposals' log-weights
  std::optional<FreeEnergyEstimate> free_energy;  // flow-MH: NIS ln Z from the same weights
  double exact_log_z = 0;                         // NaN where the theory does not know it
  std::vector<ObservableAnalysis> observables;
  std::vector<std::string> warnings;  // what makes this ensemble's errors untrustworthy

  const ObservableAnalysis* find(const std::string& name) const;
  // One line: sampler, lattice, theory, counts, longest stay, weight figures.
  std::string label() const;
};

// The observables of all files in order: the first file's, then any only
// the others have (the rows of the side-by-side table).
std::vector<std::string> observable_rows(const std::vector<EnsembleAnalysis>& files);

// (mean_a - mean_b) / combined error of one observable of two ensembles; none
// when either lacks it, both errors vanish, or it is the acceptance (which
// differs between samplers by design).
std::optional<double> difference_in_sigma(const EnsembleAnalysis& a, const EnsembleAnalysis& b,
                                          const std::string& name);

// Reads the stored time series (not the run's own summary) and analyses them;
// throws InputError naming a file that cannot be read.
EnsembleAnalysis analyze_ensemble(const std::string& path);

}  // namespace flowlat
