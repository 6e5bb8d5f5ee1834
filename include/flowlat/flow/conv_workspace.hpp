// Scratch memory shared by convolution layers that run one after another (the
// layers of one flow): a layer takes what it needs for the duration of one
// call. One buffer for all layers stays in cache; one per layer would not.
#pragma once
#include "flowlat/core/types.hpp"

namespace flowlat {

class ConvWorkspace {
 public:
  enum Slot { PaddedInput, PaddedGradient, GradientPartials, kSlots };

  // At least `count` elements of type T (float or double) for `slot`,
  // contents undefined; valid until the next request for the same slot (a
  // larger one reallocates).
  template <class T>
  T* get(Slot slot, index_t count) {
    static_assert(sizeof(T) <= sizeof(double) && sizeof(double) % sizeof(T) == 0);
    return reinterpret_cast<T*>(get_doubles(slot, (count * index_t(sizeof(T)) + 7) / 8));
  }

 private:
  double* get_doubles(Slot slot, index_t count);
  Kokkos::View<double*, MemSpace> buffers_[kSlots];
};

}  // namespace flowlat
