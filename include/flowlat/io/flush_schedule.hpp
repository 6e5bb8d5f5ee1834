// FlushSchedule: when an ensemble writer writes out its buffered block — by
// wall time (run.flush_seconds), by buffered size (run.flush_mib) and,
// optionally, by count (run.flush_every) — with the same answer on every rank,
// as parallel HDF5 requires of the collective flush.
#pragma once
#include <chrono>
#include <cstdint>

#include "flowlat/core/mpi_context.hpp"

namespace flowlat {

struct FlushLimits {
  double seconds = 30;                // wall time between flushes (0: every call of due())
  std::int64_t max_bytes = 64 << 20;  // buffered bytes on the largest rank
  std::int64_t every_saved = 0;       // saved configurations per flush (0: no count bound)
};

class FlushSchedule {
 public:
  FlushSchedule(const MpiContext& mpi, const FlushLimits& limits);

  // Collective: called once per update on every rank, with what is buffered
  // (`saved` configurations, `bytes` on the largest rank: the same numbers
  // everywhere). True when the writer must flush now. The size and count
  // bounds need no communication; the time bound is rank 0's clock, read and
  // broadcast only every so many calls (about 8 times per interval, at most
  // once a second, at the call rate measured so far), so a run pays one
  // MPI_Bcast per check, not per update, and flushes at most a check period late.
  bool due(std::int64_t saved, std::int64_t bytes);
  // The writer flushed: the next interval starts now.
  void restart();

 private:
  using Clock = std::chrono::steady_clock;
  MpiContext mpi_;
  FlushLimits limits_;
  std::int64_t countdown_ = 1;    // calls until the next clock check (same on every rank)
  std::int64_t since_check_ = 0;  // calls since the last check
  Clock::time_point last_flush_, last_check_;  // rank 0's clock
};

}  // namespace flowlat
