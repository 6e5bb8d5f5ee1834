// The end-of-run summary every sampler prints and stores: per series the
// Gamma-method mean, error and tau_int, as a table on stdout (rank 0) and as
// /ensemble/summary attributes (name, name_error, name_tau_int).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "flowlat/core/log.hpp"

namespace flowlat {

class SummaryTable {
 public:
  // data: chain-major [n_chain * n] (what gather_chains and EnsembleReader give).
  void add(const std::string& name, const std::vector<double>& data, std::int64_t n_chain);
  // An observable of the ensemble; absM also gets absM_per_site (|M|/V).
  void add_observable(const std::string& name, std::vector<double> data, std::int64_t n_chain,
                      double volume);
  // A figure without an error (e.g. ESS/N of the proposals).
  void add_value(const std::string& name, double value);

  const std::vector<std::pair<std::string, double>>& attributes() const { return attributes_; }
  void print(const Log& log) const;

 private:
  std::vector<std::pair<std::string, double>> attributes_;
  std::vector<std::string> lines_;
};

}  // namespace flowlat
