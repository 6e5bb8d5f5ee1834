// Scratch memory shared by convolution layers that run one after another (the
// layers of one flow): a layer takes what it needs for the duration of one
// call. One buffer for all layers stays in cache; one per layer would not.
#pragma once
#include "flowlat/core/types.hpp"

namespace flowlat {

class ConvWorkspace {
 public:
  enum Slot { PaddedInput, PaddedGradient, GradientPartials, kSlots };

  // At least `count` elements for `slot`, contents undefined; valid until the
  // next request for the same slot (a larger one reallocates).
  real_t* get(Slot slot, index_t count);

 private:
  Kokkos::View<real_t*, MemSpace> buffers_[kSlots];
};

}  // namespace flowlat
