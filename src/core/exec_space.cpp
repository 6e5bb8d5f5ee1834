// The current execution-space instance (see exec_space.hpp).
#include "flowlat/core/exec_space.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>

#include "flowlat/core/error.hpp"

namespace flowlat {

namespace {
const ExecSpace* current_space = nullptr;

// Backends without a smaller instance: none.
template <class Space>
std::optional<Space> single_thread_instance(const Space&) {
  return std::nullopt;
}

#if defined(KOKKOS_ENABLE_OPENMP) && defined(KOKKOS_VERSION) && KOKKOS_VERSION >= 40000
// Kokkos 4's OpenMP instance with its own pool of one thread.
std::optional<Kokkos::OpenMP> single_thread_instance(const Kokkos::OpenMP& space) {
  if (space.concurrency() <= 1) return std::nullopt;
  return Kokkos::OpenMP(1);
}
#endif
}  // namespace

ExecSpace exec_space() { return current_space ? *current_space : ExecSpace(); }

std::optional<ExecSpace> make_single_thread_space() { return single_thread_instance(ExecSpace()); }

ExecSpaceScope::ExecSpaceScope(const ExecSpace* space)
    : previous_(current_space), active_(space != nullptr) {
  if (!active_) return;
  exec_space().fence();  // what the previous instance launched is done before the new one reads it
  current_space = space;
}

ExecSpaceScope::~ExecSpaceScope() {
  if (!active_) return;
  current_space->fence();  // and the other way round
  current_space = previous_;
}

index_t thread_min_work() {
  const char* value = std::getenv(kThreadMinWorkVariable);
  if (!value || !*value) return kThreadMinWork;
  char* end = nullptr;
  errno = 0;
  const long long work = std::strtoll(value, &end, 10);
  if (*end != '\0' || errno != 0 || work < 0)
    throw InputError(std::string(kThreadMinWorkVariable) + ": expected a count >= 0, got '" +
                     value + "'");
  return index_t(work);
}

SmallWorkSpace::SmallWorkSpace()
    : single_(make_single_thread_space()), min_work_(thread_min_work()) {}

}  // namespace flowlat
