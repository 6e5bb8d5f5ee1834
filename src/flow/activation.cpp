// Activation kernels: element-wise over (config, channel x site).
#include "flowlat/flow/activation.hpp"

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/error.hpp"

namespace flowlat {

Activation activation_from_name(const std::string& name) {
  if (name == "identity") return Activation::Identity;
  if (name == "leaky_relu") return Activation::LeakyReLU;
  if (name == "tanh") return Activation::Tanh;
  throw InputError("activation: unknown name '" + name + "', expected identity|leaky_relu|tanh");
}

std::string activation_name(Activation a) {
  switch (a) {
    case Activation::LeakyReLU:
      return "leaky_relu";
    case Activation::Tanh:
      return "tanh";
    default:
      return "identity";
  }
}

namespace {
// Channels and sites of one configuration as one flat axis of the kernels.
template <class T>
index_t elements_per_config(const TensorOf<T>& t) { return index_t(t.extent(1) * t.extent(2)); }

template <class T>
void check_same_shape(const TensorOf<T>& a, const TensorOf<T>& b, index_t n, const char* where) {
  if (a.extent(1) != b.extent(1) || a.extent(2) != b.extent(2) || index_t(a.extent(0)) < n ||
      index_t(b.extent(0)) < n)
    throw RuntimeFailure(std::string(where) + ": tensors of different shape or fewer than n = " +
                         std::to_string(n) + " configurations");
}
}  // namespace

template <class T>
void activation_forward(Activation a, const TensorOf<T>& pre, index_t n, const TensorOf<T>& post) {
  check_same_shape(pre, post, n, "activation_forward");
  const index_t V = index_t(pre.extent(2));
  Kokkos::parallel_for(
      "flow.activation_forward", batch_site_policy(n, elements_per_config(pre)),
      KOKKOS_LAMBDA(index_t b, index_t i) {
        post(b, i / V, i % V) = activate(a, pre(b, i / V, i % V));
      });
}

template <class T>
void activation_backward(Activation a, const TensorOf<T>& pre, const TensorOf<T>& d_post,
                         index_t n, const TensorOf<T>& d_pre) {
  check_same_shape(pre, d_post, n, "activation_backward");
  check_same_shape(pre, d_pre, n, "activation_backward");
  const index_t V = index_t(pre.extent(2));
  Kokkos::parallel_for(
      "flow.activation_backward", batch_site_policy(n, elements_per_config(pre)),
      KOKKOS_LAMBDA(index_t b, index_t i) {
        const index_t c = i / V, x = i % V;
        d_pre(b, c, x) = activation_slope(a, pre(b, c, x)) * d_post(b, c, x);
      });
}

template <class T>
void activation_backward_from_output(Activation a, const TensorOf<T>& post,
                                     const TensorOf<T>& d_post, index_t n,
                                     const TensorOf<T>& d_pre) {
  check_same_shape(post, d_post, n, "activation_backward_from_output");
  check_same_shape(post, d_pre, n, "activation_backward_from_output");
  const index_t V = index_t(post.extent(2));
  Kokkos::parallel_for(
      "flow.activation_backward_from_output", batch_site_policy(n, elements_per_config(post)),
      KOKKOS_LAMBDA(index_t b, index_t i) {
        const index_t c = i / V, x = i % V;
        d_pre(b, c, x) = activation_slope_from_output(a, post(b, c, x)) * d_post(b, c, x);
      });
}

#define FLOWLAT_INSTANTIATE_ACTIVATIONS(T)                                                    \
  template void activation_forward(Activation, const TensorOf<T>&, index_t,                   \
                                   const TensorOf<T>&);                                       \
  template void activation_backward(Activation, const TensorOf<T>&, const TensorOf<T>&,       \
                                    index_t, const TensorOf<T>&);                             \
  template void activation_backward_from_output(Activation, const TensorOf<T>&,               \
                                                const TensorOf<T>&, index_t, const TensorOf<T>&);
FLOWLAT_INSTANTIATE_ACTIVATIONS(float)
FLOWLAT_INSTANTIATE_ACTIVATIONS(double)
#undef FLOWLAT_INSTANTIATE_ACTIVATIONS

}  // namespace flowlat
