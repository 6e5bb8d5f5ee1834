// SavedBatch: the configurations run_chains saves, measured and handed to the
// ensemble writer several saves at a time. At small lattices the fixed cost of
// a measurement call (kernel launches, the FFT plan's full batch) outweighs
// its size; one call for many saves makes measuring and writing a few per
// cent of an HMC run instead of a third.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "flowlat/core/types.hpp"
#include "flowlat/io/ensemble_writer.hpp"
#include "flowlat/observables/observable_set.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat {

class SavedBatch {
 public:
  // Saves of `chains` local chains, up to `saves` of them per batch; `saves`
  // must be the same on every rank (the writer's flushes count saves).
  SavedBatch(const Theory& theory, index_t chains, index_t saves);

  // Keeps configurations 0..chains-1 of `field` (a copy on the device).
  void add(const Field& field);
  bool full() const { return pending_ == saves_; }
  const ObservableSet& observables() const { return *observables_; }
  index_t pending() const { return pending_; }
  // Measures the kept saves and, in the order they were added, hands each to
  // writer.add_saved and its observables ([name index][chain]) to `observed`.
  void drain(EnsembleWriter& writer,
             const std::function<void(const std::vector<std::vector<double>>&)>& observed);

 private:
  const Theory& theory_;
  index_t chains_, saves_, pending_ = 0;
  Field kept_;  // [saves * chains][dof], save-major
  FieldHost kept_host_;
  BatchScalar action_;
  std::unique_ptr<ObservableSet> observables_;
  Measurement measurement_;
  std::vector<std::vector<double>> scalars_, corrs_;  // one save's share
};

}  // namespace flowlat
