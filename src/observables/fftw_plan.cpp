// FftwPlan: buffers and the batched r2c / c2r plan pair, made once.
#include "flowlat/observables/fftw_plan.hpp"

#include <algorithm>
#include <climits>
#include <string>

#include "flowlat/core/error.hpp"

namespace flowlat {

FftwPlan::FftwPlan(const std::vector<int>& extents, std::int64_t howmany, unsigned flags)
    : extents_(extents), howmany_(howmany) {
  if (extents_.empty()) throw RuntimeFailure("FftwPlan: no extents given");
  if (howmany_ < 1 || howmany_ > INT_MAX)
    throw RuntimeFailure("FftwPlan: howmany = " + std::to_string(howmany_) +
                         " outside 1.." + std::to_string(INT_MAX));
  real_size_ = 1;
  for (int L : extents_) {
    if (L < 1) throw RuntimeFailure("FftwPlan: extent " + std::to_string(L) + " < 1");
    real_size_ *= L;
  }
  complex_size_ = real_size_ / extents_.back() * (extents_.back() / 2 + 1);
  if (real_size_ > INT_MAX || complex_size_ > INT_MAX)
    throw RuntimeFailure("FftwPlan: array too large for FFTW's int distances");

  const auto n_real = std::size_t(howmany_ * real_size_);
  const auto n_complex = std::size_t(howmany_ * complex_size_);
  real_.reset(fftw_alloc_real(n_real));
  complex_.reset(fftw_alloc_complex(n_complex));
  if (!real_ || !complex_) throw RuntimeFailure("FftwPlan: fftw_malloc failed");

  const int rank = int(extents_.size());
  const int count = int(howmany_);
  const int rdist = int(real_size_), cdist = int(complex_size_);
  // FFTW's "many" interface takes int* n and pointers it may not modify; it
  // does not write through n.
  std::vector<int> n(extents_);
  forward_.reset(fftw_plan_many_dft_r2c(rank, n.data(), count, real_.get(), nullptr, 1, rdist,
                                        complex_.get(), nullptr, 1, cdist, flags));
  backward_.reset(fftw_plan_many_dft_c2r(rank, n.data(), count, complex_.get(), nullptr, 1, cdist,
                                         real_.get(), nullptr, 1, rdist, flags));
  if (!forward_ || !backward_) throw RuntimeFailure("FftwPlan: FFTW could not make a plan");
  // FFTW_MEASURE and friends scribble on the buffers while planning.
  std::fill(real_.get(), real_.get() + n_real, 0.0);
  for (std::size_t i = 0; i < n_complex; ++i) complex_[i][0] = complex_[i][1] = 0.0;
}

void FftwPlan::forward() { fftw_execute_dft_r2c(forward_.get(), real_.get(), complex_.get()); }

void FftwPlan::backward() { fftw_execute_dft_c2r(backward_.get(), complex_.get(), real_.get()); }

}  // namespace flowlat
