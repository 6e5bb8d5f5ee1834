// FlushSchedule: deterministic size/count bounds, and a time bound decided on
// rank 0 at checkpoints whose spacing (in calls) every rank learns with the
// decision.
#include "flowlat/io/flush_schedule.hpp"

#include <mpi.h>

#include <algorithm>

namespace flowlat {

namespace {
constexpr double kChecksPerInterval = 8;
constexpr double kMaxCheckSeconds = 1;  // a late flush is at most this late (steady rates)

double seconds_between(std::chrono::steady_clock::time_point a,
                       std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
}  // namespace

FlushSchedule::FlushSchedule(const MpiContext& mpi, const FlushLimits& limits)
    : mpi_(mpi), limits_(limits), last_flush_(Clock::now()), last_check_(last_flush_) {}

void FlushSchedule::restart() { last_flush_ = Clock::now(); }

bool FlushSchedule::due(std::int64_t saved, std::int64_t bytes) {
  if (limits_.every_saved > 0 && saved >= limits_.every_saved) return true;
  if (bytes >= limits_.max_bytes || limits_.seconds <= 0) return true;
  ++since_check_;
  if (--countdown_ > 0) return false;

  long long message[2] = {0, 1};  // flush now?, calls until the next check
  if (mpi_.is_root()) {
    const Clock::time_point now = Clock::now();
    message[0] = seconds_between(last_flush_, now) >= limits_.seconds ? 1 : 0;
    const double period = std::min(kMaxCheckSeconds, limits_.seconds / kChecksPerInterval);
    const double took = seconds_between(last_check_, now);
    const double calls =
        took > 0 ? double(since_check_) * period / took : 2.0 * double(since_check_);
    // at most double the spacing per check: the rate can drop (e.g. when the
    // run starts saving) and a long spacing would then overshoot the interval
    message[1] = (long long)std::clamp(calls, 1.0, 2.0 * double(since_check_));
    last_check_ = now;
  }
  if (mpi_.size() > 1) MPI_Bcast(message, 2, MPI_LONG_LONG, 0, mpi_.comm());
  countdown_ = message[1];
  since_check_ = 0;
  return message[0] != 0;
}

}  // namespace flowlat
