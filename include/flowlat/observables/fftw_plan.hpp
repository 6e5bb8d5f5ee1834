// RAII wrapper of a batched real <-> complex FFTW plan pair (double precision).
//
// One FftwPlan owns two fftw_malloc'd buffers and the plans between them:
//   real    [howmany][real_size]     real_size    = L_0 * ... * L_{d-1}
//   complex [howmany][complex_size]  complex_size = L_0 * ... * L_{d-2} * (L_{d-1}/2 + 1)
// both row-major (the last direction fastest), i.e. exactly the C-order arrays
// FFTW's r2c / c2r "many" interface expects with n = extents. The plans are
// made once in the constructor (the FFTW planner is not thread-safe; make
// plans from one thread) and executed any number of times with
// fftw_execute_dft_r2c / fftw_execute_dft_c2r on the owned buffers.
//
// Transforms are FFTW's unnormalised ones: forward  c(p) = sum_x e^{-ipx} r(x),
// backward r(x) = sum_p e^{+ipx} c(p); backward(forward(r)) = V r.
// The backward (c2r) transform overwrites the complex buffer (FFTW's default
// for out-of-place c2r); the forward transform leaves the real buffer intact.
//
// The default planner flag is FFTW_ESTIMATE: its plan choice is deterministic,
// so the same input gives bit-identical output run after run. FFTW_MEASURE may
// pick different algorithms in different runs (last-bit differences).
#pragma once
#include <fftw3.h>

#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

namespace flowlat {

class FftwPlan {
 public:
  // extents: the d-dim array shape (d >= 1, every extent >= 1); howmany >= 1
  // configurations per execution. Throws RuntimeFailure if FFTW cannot plan.
  FftwPlan(const std::vector<int>& extents, std::int64_t howmany, unsigned flags = FFTW_ESTIMATE);

  FftwPlan(FftwPlan&&) noexcept = default;
  FftwPlan& operator=(FftwPlan&&) noexcept = default;
  FftwPlan(const FftwPlan&) = delete;
  FftwPlan& operator=(const FftwPlan&) = delete;
  ~FftwPlan() = default;

  // real buffer -> complex buffer, all `howmany` configurations.
  void forward();
  // complex buffer -> real buffer, all `howmany` configurations (destroys the complex buffer).
  void backward();

  const std::vector<int>& extents() const { return extents_; }
  std::int64_t howmany() const { return howmany_; }
  std::int64_t real_size() const { return real_size_; }        // per configuration
  std::int64_t complex_size() const { return complex_size_; }  // per configuration

  // Configuration b's slice of the buffers (b = 0 .. howmany-1).
  double* real(std::int64_t b = 0) { return real_.get() + b * real_size_; }
  const double* real(std::int64_t b = 0) const { return real_.get() + b * real_size_; }
  fftw_complex* complex(std::int64_t b = 0) { return complex_.get() + b * complex_size_; }
  const fftw_complex* complex(std::int64_t b = 0) const {
    return complex_.get() + b * complex_size_;
  }

 private:
  struct BufferFree {
    void operator()(void* p) const { fftw_free(p); }
  };
  struct PlanDestroy {
    void operator()(fftw_plan p) const { fftw_destroy_plan(p); }
  };
  using PlanPtr = std::unique_ptr<std::remove_pointer_t<fftw_plan>, PlanDestroy>;

  std::vector<int> extents_;
  std::int64_t howmany_ = 0, real_size_ = 0, complex_size_ = 0;
  std::unique_ptr<double[], BufferFree> real_;
  std::unique_ptr<fftw_complex[], BufferFree> complex_;
  PlanPtr forward_, backward_;
};

}  // namespace flowlat
