// The record of a training run, one entry per optimizer step; model files
// store it as /training/history/<column>.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "flowlat/flow/flow_trainer.hpp"

namespace flowlat {

// One entry per optimizer step: /training/history/<column>.
struct TrainingHistory {
  std::vector<std::int64_t> step;  // 1-based Adam step
  std::vector<double> loss, ess, acceptance, grad_norm, lr, wall_time;  // wall_time: s since the run began
  // Largest normalised weight and Pareto k-hat of each step's batch (NaN in
  // files written before these columns existed).
  std::vector<double> max_weight, pareto_k;

  std::size_t size() const { return step.size(); }
  void append(const TrainStepResult& r, double wall_time_seconds);

  // Means of loss, ess and acceptance over the last `window` entries
  // (at most size(), at least 1; zeros if the history is empty); ess and
  // acceptance over those entries that have them (not NaN), NaN if none has.
  struct Means {
    std::size_t window = 0;
    double loss = 0, ess = 0, acceptance = 0;
  };
  Means means_of_last(std::size_t window) const;
};

}  // namespace flowlat
