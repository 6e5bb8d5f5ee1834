// RowMeasurer: gather the chosen rows on the device, then action and
// measurement of each batch.
#include "row_measurer.hpp"

#include <algorithm>

namespace flowlat {

index_t measured_together(index_t dof) {
  const index_t bytes = std::max<index_t>(dof * index_t(sizeof(real_t)), 1);
  return std::max<index_t>(1, std::min(kMeasuredTogether, kMeasuredBytes / bytes));
}

RowMeasurer::RowMeasurer(const Theory& theory)
    : theory_(theory),
      batch_(measured_together(theory.dof())),
      observables_(theory.observables(batch_)),
      corr_layout_(observables_->corr_layout()),
      n_scalars_(index_t(observables_->scalar_names().size())),
      width_(n_scalars_),
      configs_("measured.configs", batch_, theory.dof()),
      index_("measured.index", batch_),
      index_host_(Kokkos::create_mirror_view(index_)),
      action_("measured.action", batch_) {
  for (const auto& [name, len] : corr_layout_) width_ += len;
}

void RowMeasurer::measure(const Field& source, const std::vector<index_t>& rows, double* out) {
  const index_t dof = theory_.dof();
  for (std::size_t done = 0; done < rows.size(); done += std::size_t(batch_)) {
    const index_t n = index_t(std::min(rows.size() - done, std::size_t(batch_)));
    for (index_t k = 0; k < n; ++k) index_host_(k) = rows[done + std::size_t(k)];
    Kokkos::deep_copy(index_, index_host_);
    const Field configs = configs_;
    const auto index = index_;
    Kokkos::parallel_for(
        "measured.gather", Kokkos::RangePolicy<ExecSpace>(0, n * dof), KOKKOS_LAMBDA(index_t i) {
          configs(i / dof, i % dof) = source(index(i / dof), i % dof);
        });
    theory_.action(configs_, n, action_);
    observables_->measure(configs_, n, action_, measurement_);
    for (index_t k = 0; k < n; ++k) {
      double* row = out + (std::size_t(done) + std::size_t(k)) * std::size_t(width_);
      for (index_t s = 0; s < n_scalars_; ++s) *row++ = measurement_.scalars[std::size_t(s)][std::size_t(k)];
      for (std::size_t c = 0; c < corr_layout_.size(); ++c) {
        const index_t len = corr_layout_[c].second;
        const auto& all = measurement_.corrs[c];
        row = std::copy(all.begin() + k * len, all.begin() + (k + 1) * len, row);
      }
    }
  }
}

void RowMeasurer::unpack(const double* row, std::vector<std::vector<double>>& obs,
                         std::vector<std::vector<double>>& corr) const {
  obs.resize(std::size_t(n_scalars_));
  for (auto& o : obs) o.assign(1, *row++);
  corr.resize(corr_layout_.size());
  for (std::size_t c = 0; c < corr_layout_.size(); ++c) {
    corr[c].assign(row, row + corr_layout_[c].second);
    row += corr_layout_[c].second;
  }
}

}  // namespace flowlat
