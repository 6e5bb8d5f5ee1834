// Element-wise activations of the flow networks, their derivatives, and the
// batch kernels that apply them.
#pragma once
#include <string>

#include "flowlat/core/math.hpp"
#include "flowlat/flow/tensor.hpp"

namespace flowlat {

enum class Activation { Identity, LeakyReLU, Tanh };  // LeakyReLU slope 0.01 (PyTorch default)

// "identity" | "leaky_relu" | "tanh"; InputError otherwise.
Activation activation_from_name(const std::string& name);
std::string activation_name(Activation a);

// In T = float or double (the networks' precision).
template <class T = real_t>
KOKKOS_INLINE_FUNCTION T leaky_relu_slope() {
  return T(0.01);
}

template <class T>
KOKKOS_INLINE_FUNCTION T activate(Activation a, T pre) {
  switch (a) {
    case Activation::LeakyReLU:
      return pre > 0 ? pre : leaky_relu_slope<T>() * pre;
    case Activation::Tanh:
      return math::tanh(pre);
    default:
      return pre;
  }
}

// f'(pre). At the LeakyReLU kink (pre = 0) the slope is 0.01, as in PyTorch.
template <class T>
KOKKOS_INLINE_FUNCTION T activation_slope(Activation a, T pre) {
  switch (a) {
    case Activation::LeakyReLU:
      return pre > 0 ? T(1) : leaky_relu_slope<T>();
    case Activation::Tanh: {
      const T t = math::tanh(pre);
      return T(1) - t * t;
    }
    default:
      return T(1);
  }
}

// f'(pre) expressed through post = f(pre). All three activations are strictly
// increasing with sign(post) = sign(pre), so the output alone determines the
// slope: backward passes need to keep only the activated tensors.
template <class T>
KOKKOS_INLINE_FUNCTION T activation_slope_from_output(Activation a, T post) {
  switch (a) {
    case Activation::LeakyReLU:
      return post > 0 ? T(1) : leaky_relu_slope<T>();
    case Activation::Tanh:
      return T(1) - post * post;
    default:
      return T(1);
  }
}

// post = f(pre) for configs 0..n-1, all channels (post may alias pre).
template <class T>
void activation_forward(Activation a, const TensorOf<T>& pre, index_t n, const TensorOf<T>& post);
// d_pre = f'(pre) * d_post (d_pre may alias d_post).
template <class T>
void activation_backward(Activation a, const TensorOf<T>& pre, const TensorOf<T>& d_post,
                         index_t n, const TensorOf<T>& d_pre);
// d_pre = f'(pre) * d_post with f' taken from post = f(pre) (d_pre may alias d_post).
template <class T>
void activation_backward_from_output(Activation a, const TensorOf<T>& post,
                                     const TensorOf<T>& d_post, index_t n,
                                     const TensorOf<T>& d_pre);

}  // namespace flowlat
