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

KOKKOS_INLINE_FUNCTION real_t leaky_relu_slope() { return 0.01; }

KOKKOS_INLINE_FUNCTION real_t activate(Activation a, real_t pre) {
  switch (a) {
    case Activation::LeakyReLU:
      return pre > 0 ? pre : leaky_relu_slope() * pre;
    case Activation::Tanh:
      return math::tanh(pre);
    default:
      return pre;
  }
}

// f'(pre). At the LeakyReLU kink (pre = 0) the slope is 0.01, as in PyTorch.
KOKKOS_INLINE_FUNCTION real_t activation_slope(Activation a, real_t pre) {
  switch (a) {
    case Activation::LeakyReLU:
      return pre > 0 ? 1.0 : leaky_relu_slope();
    case Activation::Tanh: {
      const real_t t = math::tanh(pre);
      return 1.0 - t * t;
    }
    default:
      return 1.0;
  }
}

// f'(pre) expressed through post = f(pre). All three activations are strictly
// increasing with sign(post) = sign(pre), so the output alone determines the
// slope: backward passes need to keep only the activated tensors.
KOKKOS_INLINE_FUNCTION real_t activation_slope_from_output(Activation a, real_t post) {
  switch (a) {
    case Activation::LeakyReLU:
      return post > 0 ? 1.0 : leaky_relu_slope();
    case Activation::Tanh:
      return 1.0 - post * post;
    default:
      return 1.0;
  }
}

// post = f(pre) for configs 0..n-1, all channels (post may alias pre).
void activation_forward(Activation a, const Tensor& pre, index_t n, const Tensor& post);
// d_pre = f'(pre) * d_post (d_pre may alias d_post).
void activation_backward(Activation a, const Tensor& pre, const Tensor& d_post, index_t n,
                         const Tensor& d_pre);
// d_pre = f'(pre) * d_post with f' taken from post = f(pre) (d_pre may alias d_post).
void activation_backward_from_output(Activation a, const Tensor& post, const Tensor& d_post,
                                     index_t n, const Tensor& d_pre);

}  // namespace flowlat
