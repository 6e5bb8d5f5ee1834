// The per-configuration observables a theory measures on every saved
// configuration: their names (the datasets /ensemble/obs/<name>), the
// correlators, the values fixed by a symmetry, and the batched measurement.
// Samplers and writers only see this interface; each theory owns its set.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "flowlat/core/types.hpp"

namespace flowlat {

struct Measurement {
  std::vector<std::vector<double>> scalars;  // [name index][config]
  std::vector<std::vector<double>> corrs;    // [corr index][config * len + t]
};

class ObservableSet {
 public:
  virtual ~ObservableSet() = default;

  // Names of the scalar observables, in the order of Measurement::scalars.
  virtual std::vector<std::string> scalar_names() const = 0;
  // (name, length) of each correlator, in the order of Measurement::corrs.
  virtual std::vector<std::pair<std::string, index_t>> corr_layout() const = 0;
  // Expectation values fixed by a symmetry of the action (e.g. <M> = 0): a
  // mean far from it means the chain does not mix (analyze: NOT MIXING).
  virtual std::vector<std::pair<std::string, double>> by_symmetry() const = 0;

  // field: device Field [>= n][dof]; action: device [>= n] with S of each
  // configuration. Fills `out` for configurations 0..n-1, 0 <= n <= max_batch().
  virtual void measure(const Field& field, index_t n, const BatchScalar& action,
                       Measurement& out) = 0;
  virtual index_t max_batch() const = 0;
};

}  // namespace flowlat
