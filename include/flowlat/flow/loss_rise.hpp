// A training that ended worse than it had been: the mean loss of its last
// window against the lowest mean of the earlier windows. At large beta an
// Adam step size that suited the start can make the flow diverge slowly
// (no NaN: the loss just climbs), and the model file then holds the worse
// state; `flowlat train` warns instead of reporting success.
#pragma once
#include <cstddef>

#include "flowlat/flow/training_history.hpp"

namespace flowlat {

struct LossRise {
  bool rose = false;  // last - best > 5 standard errors of the difference and > 0.1
  long long best_first = 0, best_last = 0;  // steps of the best window
  double best = 0, last = 0;                // the two window means
  double error = 0;                         // standard error of last - best
};

// Windows of `window` consecutive entries of the history with step >
// from_step (steps before it trained on another loss, e.g. tempered),
// aligned to the end; fewer than two windows: rose = false.
LossRise loss_rise(const TrainingHistory& history, std::size_t window, long long from_step);

}  // namespace flowlat
