// Progress lines for long loops on rank 0: step, rate, ETA and one figure.
#pragma once
#include <chrono>
#include <string>

#include "flowlat/core/log.hpp"

namespace flowlat {

class Progress {
 public:
  // `unit` names a step ("traj", "sweep"); a line every `interval_seconds`.
  Progress(const Log& log, std::string label, std::string unit, long long total,
           double interval_seconds);
  // Call after step `done` (1-based); `figure` is e.g. "acc 0.83".
  void update(long long done, const std::string& figure);
  double elapsed_seconds() const;

 private:
  using Clock = std::chrono::steady_clock;
  const Log& log_;
  std::string label_, unit_;
  long long total_;
  double interval_;
  Clock::time_point start_, last_;
};

}  // namespace flowlat
