// loss_rise: window means and their standard errors over a training history.
#include "flowlat/flow/loss_rise.hpp"

#include <algorithm>
#include <cmath>

namespace flowlat {

namespace {
struct WindowMean {
  double mean = 0, error = 0;  // error: sd / sqrt(n) of the window's losses
};
WindowMean window_mean(const std::vector<double>& loss, std::size_t begin, std::size_t n) {
  WindowMean w;
  for (std::size_t i = begin; i < begin + n; ++i) w.mean += loss[i];
  w.mean /= double(n);
  double ss = 0;
  for (std::size_t i = begin; i < begin + n; ++i) ss += (loss[i] - w.mean) * (loss[i] - w.mean);
  w.error = n > 1 ? std::sqrt(ss / double(n - 1) / double(n)) : 0.0;
  return w;
}
}  // namespace

LossRise loss_rise(const TrainingHistory& history, std::size_t window, long long from_step) {
  LossRise r;
  const std::size_t n = history.size();
  std::size_t first = 0;  // first entry past from_step
  while (first < n && history.step[first] <= from_step) ++first;
  if (window < 2 || n - first < 2 * window) return r;
  const std::size_t last_begin = n - window;
  const WindowMean last = window_mean(history.loss, last_begin, window);
  bool have_best = false;
  WindowMean best;
  std::size_t best_begin = 0;
  for (std::size_t begin = last_begin; begin >= first + window;) {
    begin -= window;
    const WindowMean w = window_mean(history.loss, begin, window);
    if (!std::isfinite(w.mean)) continue;
    if (!have_best || w.mean < best.mean) best = w, best_begin = begin, have_best = true;
  }
  if (!have_best || !std::isfinite(last.mean)) return r;
  r.best = best.mean;
  r.last = last.mean;
  r.best_first = history.step[best_begin];
  r.best_last = history.step[best_begin + window - 1];
  r.error = std::sqrt(best.error * best.error + last.error * last.error);
  // the loss is a KL divergence up to a constant: nats mean the same in every
  // theory, and a rise below 0.1 changes little even when significant
  r.rose = r.last - r.best > std::max(5 * r.error, 0.1);
  return r;
}

}  // namespace flowlat
