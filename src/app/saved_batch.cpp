// SavedBatch: copy on add, one action + measurement call per drain, then the
// saves one by one to the writer (the same order and numbers as measuring each
// save on its own: a configuration's observables do not depend on its batch).
#include "saved_batch.hpp"

#include <algorithm>

#include "flowlat/core/exec_space.hpp"

namespace flowlat {

SavedBatch::SavedBatch(const Theory& theory, index_t chains, index_t saves)
    : theory_(theory),
      chains_(chains),
      saves_(std::max<index_t>(saves, 1)),
      kept_("saved.configs", std::max<index_t>(saves_ * chains, 1), theory.dof()),
      kept_host_(Kokkos::create_mirror_view(HostSpace(), kept_)),
      action_("saved.action", std::max<index_t>(saves_ * chains, 1)),
      observables_(theory.observables(std::max<index_t>(saves_ * chains, 1))) {}

void SavedBatch::add(const Field& field) {
  const auto rows = std::make_pair(pending_ * chains_, (pending_ + 1) * chains_);
  const ExecSpace space = exec_space();  // one thread for small runs (chain_run.cpp)
  Kokkos::deep_copy(space, Kokkos::subview(kept_, rows, Kokkos::ALL),
                    Kokkos::subview(field, std::make_pair(index_t(0), chains_), Kokkos::ALL));
  space.fence();
  ++pending_;
}

void SavedBatch::drain(
    EnsembleWriter& writer,
    const std::function<void(const std::vector<std::vector<double>>&)>& observed) {
  if (pending_ == 0) return;
  const index_t n = pending_ * chains_;
  theory_.action(kept_, n, action_);
  observables_->measure(kept_, n, action_, measurement_);
  const auto rows = std::make_pair(index_t(0), n);
  Kokkos::deep_copy(Kokkos::subview(kept_host_, rows, Kokkos::ALL),
                    Kokkos::subview(kept_, rows, Kokkos::ALL));
  scalars_.resize(measurement_.scalars.size());
  corrs_.resize(measurement_.corrs.size());
  for (index_t s = 0; s < pending_; ++s) {
    const index_t first = s * chains_;
    for (std::size_t k = 0; k < scalars_.size(); ++k) {
      const auto& all = measurement_.scalars[k];
      scalars_[k].assign(all.begin() + first, all.begin() + first + chains_);
    }
    for (std::size_t k = 0; k < corrs_.size(); ++k) {
      const auto& all = measurement_.corrs[k];
      const index_t len = index_t(all.size()) / std::max<index_t>(n, 1);
      corrs_[k].assign(all.begin() + first * len, all.begin() + (first + chains_) * len);
    }
    const FieldHost rows =
        Kokkos::subview(kept_host_, std::make_pair(first, first + chains_), Kokkos::ALL);
    writer.add_saved(rows, scalars_, corrs_);
    observed(scalars_);
  }
  pending_ = 0;
}

}  // namespace flowlat
