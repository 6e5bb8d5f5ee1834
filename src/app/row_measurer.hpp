// RowMeasurer: the observables of chosen configurations of a batch, measured
// batched (one action and one measurement call per batch of the FFT plan)
// into flat rows: the scalars in ObservableSet::scalar_names() order, then
// every correlator, in corr_layout() order.
#pragma once
#include <memory>
#include <vector>

#include "flowlat/core/types.hpp"
#include "flowlat/observables/observable_set.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat {

// Configurations measured in one call (the FFT plan's batch), fewer when they
// would take more than kMeasuredBytes. A function of the field size alone, so
// the plan, and hence every number, is the same for any number of ranks.
constexpr index_t kMeasuredTogether = 64;
constexpr index_t kMeasuredBytes = 8 << 20;
index_t measured_together(index_t dof);

class RowMeasurer {
 public:
  explicit RowMeasurer(const Theory& theory);

  const ObservableSet& observables() const { return *observables_; }
  // Doubles per measured configuration.
  index_t width() const { return width_; }
  // Measures configurations rows[k] of `source` (device, [> max row][dof])
  // into out[k * width(), (k + 1) * width()).
  void measure(const Field& source, const std::vector<index_t>& rows, double* out);
  // One flat row in EnsembleWriter::add_saved's form for one chain: obs[name][0],
  // corr[c][0 .. len).
  void unpack(const double* row, std::vector<std::vector<double>>& obs,
              std::vector<std::vector<double>>& corr) const;

 private:
  const Theory& theory_;
  index_t batch_;
  std::unique_ptr<ObservableSet> observables_;
  std::vector<std::pair<std::string, index_t>> corr_layout_;
  index_t n_scalars_, width_;
  Field configs_;                          // the rows of one call, gathered on the device
  Kokkos::View<index_t*, MemSpace> index_;  // which rows
  Kokkos::View<index_t*, MemSpace>::HostMirror index_host_;
  BatchScalar action_;
  Measurement measurement_;
};

}  // namespace flowlat
