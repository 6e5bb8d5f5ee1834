// Tempered reverse-KL training (train.temper_steps, train.temper_from): over the
// first `steps` Adam steps the flow is trained on the action scaled by s(t),
// rising linearly from `from` to 1, and on the action itself after that. A
// narrow target (U(1) at large beta) is then reached through wider ones the
// flow can learn from its initial, nearly uniform state; trained on the
// narrow target from the start, the reverse-KL gradients are huge and noisy
// and the flow settles far from it. For U(1) s S_beta = S_{s beta}: beta
// rises from from * beta to beta.
#pragma once

namespace flowlat {

struct TemperSchedule {
  long long steps = 0;  // 0: off, s = 1 throughout
  double from = 1;      // s at step 0, in (0, 1]

  // s for the step that follows `taken` steps (0-based step index).
  double scale(long long taken) const {
    if (steps <= 0 || taken >= steps) return 1.0;
    return from + (1.0 - from) * double(taken) / double(steps);
  }
};

}  // namespace flowlat
