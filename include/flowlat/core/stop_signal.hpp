// Graceful stop on SIGTERM, SIGINT or SIGUSR1 (Slurm's --signal): the first
// signal only sets a flag, which long loops poll collectively at points
// where they can stop cleanly (a training step, a block of proposals, a few
// trajectories); a second signal ends the process at once.
#pragma once
#include <string>

#include "flowlat/core/mpi_context.hpp"

namespace flowlat {

// Exit code of a run that stopped early on a signal, cleanly.
inline constexpr int kExitStoppedBySignal = 3;

// Installs the handlers for its lifetime (restores the previous ones after).
class StopSignalGuard {
 public:
  StopSignalGuard();
  ~StopSignalGuard();
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;
};

// Collective: true on every rank if any rank has received a stop signal.
bool stop_requested(const MpiContext& mpi);
// The name of the first signal received ("SIGTERM"), or "".
std::string stop_signal_name();

// A collective poll every `every` calls (the others return false without
// communicating), so a tight loop pays for one allreduce per `every` steps.
class StopPoll {
 public:
  StopPoll(const MpiContext& mpi, long long every) : mpi_(mpi), every_(every) {}
  bool operator()() { return ++calls_ % every_ == 0 && stop_requested(mpi_); }

 private:
  MpiContext mpi_;
  long long every_, calls_ = 0;
};

}  // namespace flowlat
