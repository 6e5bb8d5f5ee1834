// Progress: prints at most every interval, and always at the last step.
#include "flowlat/core/progress.hpp"

#include <cstdio>

namespace flowlat {

Progress::Progress(const Log& log, std::string label, std::string unit, long long total,
                   double interval_seconds)
    : log_(log),
      label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      interval_(interval_seconds),
      start_(Clock::now()),
      last_(start_) {}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

void Progress::update(long long done, const std::string& figure) {
  if (!log_.root()) return;
  const auto now = Clock::now();
  const bool last = done >= total_;
  if (!last && std::chrono::duration<double>(now - last_).count() < interval_) return;
  last_ = now;
  const double elapsed = elapsed_seconds();
  const double rate = elapsed > 0 ? done / elapsed : 0.0;
  const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
  char line[256];
  std::snprintf(line, sizeof line, "[%s] %lld/%lld %s (%3.0f%%)  %.1f %s/s  ETA %.0f s  %s",
                label_.c_str(), done, total_, unit_.c_str(),
                total_ > 0 ? 100.0 * done / total_ : 100.0, rate, unit_.c_str(), eta,
                figure.c_str());
  log_.info(line);
}

}  // namespace flowlat
