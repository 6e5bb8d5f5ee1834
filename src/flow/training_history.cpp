// TrainingHistory: appending steps and the means the log lines print.
#include "flowlat/flow/training_history.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace flowlat {

void TrainingHistory::append(const TrainStepResult& r, double wall_time_seconds) {
  step.push_back(r.step);
  loss.push_back(r.loss);
  ess.push_back(r.ess_per_sample);
  acceptance.push_back(r.acceptance);
  grad_norm.push_back(r.grad_norm);
  lr.push_back(r.learning_rate);
  wall_time.push_back(wall_time_seconds);
  max_weight.push_back(r.max_weight);
  pareto_k.push_back(r.pareto_k);
}

TrainingHistory::Means TrainingHistory::means_of_last(std::size_t window) const {
  Means m;
  const std::size_t n = size();
  m.window = std::min(std::max<std::size_t>(window, 1), n);
  // ess and acceptance: NaN on steps without a flow batch (forward KL), skipped
  std::size_t figures = 0;
  for (std::size_t i = n - m.window; i < n; ++i) {
    m.loss += loss[i];
    if (std::isnan(ess[i])) continue;
    m.ess += ess[i], m.acceptance += acceptance[i];
    ++figures;
  }
  if (m.window > 0) m.loss /= double(m.window);
  if (figures > 0) {
    m.ess /= double(figures), m.acceptance /= double(figures);
  } else if (m.window > 0) {
    m.ess = m.acceptance = std::numeric_limits<double>::quiet_NaN();
  }
  return m;
}

}  // namespace flowlat
