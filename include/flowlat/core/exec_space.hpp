// The execution-space instance kernels launch on. Normally Kokkos' default
// instance; inside an ExecSpaceScope the instance it names. Chain samplers
// use this to run small problems on a one-thread instance (host backends with
// a thread pool, Kokkos >= 4 OpenMP): their kernels are too short to pay for
// the fork/join of the whole pool (docs/PERFORMANCE.md, "HMC with threads").
// The policies of batch_policy.hpp and batch_reduce.hpp take it. Results do
// not depend on the instance: element-wise kernels, and batch_sum's teams are
// one thread on host backends whatever the pool size.
#pragma once
#include <optional>

#include "flowlat/core/types.hpp"

namespace flowlat {

// The instance of the innermost active ExecSpaceScope, else the default one.
ExecSpace exec_space();

// A one-thread instance of ExecSpace where the backend has one and the
// default instance runs more than one thread; nullopt otherwise (Serial,
// device backends, OpenMP with one thread, Kokkos < 4). Create it after
// Kokkos::initialize and let it go before Kokkos::finalize.
std::optional<ExecSpace> make_single_thread_space();

// Kernels launched while the scope lives go to `space` (nullptr: no change).
// Entering and leaving fence the instance left, so work on the two instances
// never overlaps. Scopes nest; the host code of one process is single-threaded.
class ExecSpaceScope {
 public:
  explicit ExecSpaceScope(const ExecSpace* space);
  ~ExecSpaceScope();
  ExecSpaceScope(const ExecSpaceScope&) = delete;
  ExecSpaceScope& operator=(const ExecSpaceScope&) = delete;

 private:
  const ExecSpace* previous_;
  bool active_;
};

// Field elements (chains x dof on one rank) from which chain updates use the
// whole thread pool; below, one thread (how it was chosen, and how to measure
// a node's crossover: docs/PERFORMANCE.md). The environment variable
// overrides it (0: always the whole pool); a value that is not a count >= 0
// is an InputError.
inline constexpr index_t kThreadMinWork = 4096;
inline constexpr const char* kThreadMinWorkVariable = "FLOWLAT_THREAD_MIN_WORK";
index_t thread_min_work();

// The one-thread instance for small work, if the backend has one.
class SmallWorkSpace {
 public:
  SmallWorkSpace();  // reads thread_min_work()
  // The instance for kernels over `work` field elements: the one-thread
  // instance below the threshold, else nullptr (keep the current one).
  const ExecSpace* for_work(index_t work) const {
    return single_ && work < min_work_ ? &*single_ : nullptr;
  }

 private:
  std::optional<ExecSpace> single_;
  index_t min_work_;
};

}  // namespace flowlat
