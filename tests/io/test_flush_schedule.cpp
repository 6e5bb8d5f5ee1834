// FlushSchedule: the count and size bounds, and the time bound decided on
// rank 0's clock, give the same answer on every rank at the same call.
// Runs on 1, 2 and 3 ranks.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "flowlat/core/mpi_context.hpp"
#include "flowlat/io/flush_schedule.hpp"

using namespace flowlat;

namespace {
constexpr std::int64_t kNoBound = std::int64_t(1) << 60;

// The same on every rank (compared through MPI_MIN and MPI_MAX).
void expect_same_on_every_rank(const MpiContext& mpi, const std::vector<long long>& mine) {
  long long count = (long long)mine.size(), lo = 0, hi = 0;
  MPI_Allreduce(&count, &lo, 1, MPI_LONG_LONG, MPI_MIN, mpi.comm());
  MPI_Allreduce(&count, &hi, 1, MPI_LONG_LONG, MPI_MAX, mpi.comm());
  ASSERT_EQ(lo, hi) << "ranks flushed a different number of times";
  std::vector<long long> low(mine.size()), high(mine.size());
  MPI_Allreduce(mine.data(), low.data(), int(count), MPI_LONG_LONG, MPI_MIN, mpi.comm());
  MPI_Allreduce(mine.data(), high.data(), int(count), MPI_LONG_LONG, MPI_MAX, mpi.comm());
  EXPECT_EQ(low, high) << "ranks flushed at different calls";
}
}  // namespace

TEST(FlushSchedule, CountAndSizeBoundsNeedNoClock) {
  const MpiContext mpi(MPI_COMM_WORLD);
  FlushLimits limits;
  limits.seconds = 1e9;
  limits.max_bytes = 1000;
  limits.every_saved = 3;
  FlushSchedule schedule(mpi, limits);
  EXPECT_FALSE(schedule.due(2, 999));
  EXPECT_TRUE(schedule.due(3, 0));
  EXPECT_TRUE(schedule.due(0, 1000));
  limits.every_saved = 0;  // off
  FlushSchedule by_size(mpi, limits);
  EXPECT_FALSE(by_size.due(1000000, 10));
  EXPECT_TRUE(by_size.due(1, 5000));
}

TEST(FlushSchedule, ZeroSecondsFlushesAfterEveryCall) {
  const MpiContext mpi(MPI_COMM_WORLD);
  FlushSchedule schedule(mpi, FlushLimits{0.0, kNoBound, 0});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(schedule.due(1, 8));
}

// 0.05 s intervals over about 0.6 s of calls: several flushes, none before
// its interval is over, at the same calls on every rank.
TEST(FlushSchedule, TimeBoundIsTheSameOnEveryRank) {
  const MpiContext mpi(MPI_COMM_WORLD);
  const double interval = 0.05;
  using Clock = std::chrono::steady_clock;
  auto last = Clock::now();  // read before the schedule's: intervals measured here are not shorter
  FlushSchedule schedule(mpi, FlushLimits{interval, kNoBound, 0});
  std::vector<long long> flushed_at;
  double shortest = 1e9;
  for (long long call = 0; call < 2000; ++call) {
    usleep(300);
    if (!schedule.due(call, 8 * call)) continue;
    const auto now = Clock::now();
    shortest = std::min(shortest, std::chrono::duration<double>(now - last).count());
    last = now;
    schedule.restart();
    flushed_at.push_back(call);
  }
  EXPECT_GE(flushed_at.size(), 3u);
  // rank 0 decides: its intervals are never short (the others follow it)
  if (mpi.is_root()) {
    EXPECT_GE(shortest, interval);
  }
  expect_same_on_every_rank(mpi, flushed_at);
}
