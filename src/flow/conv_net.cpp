// ConvNet: a chain of StencilConvs. Each layer's activation is fused into its
// forward kernel; backward takes the activation's slope from the kept output
// and fuses it into the input-gradient gather of the next layer down.
#include "flowlat/flow/conv_net.hpp"

#include <type_traits>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/error.hpp"

namespace flowlat {

namespace {
template <class T>
TensorOf<T> first_configs(const TensorOf<T>& t, index_t n) {
  return Kokkos::subview(t, Kokkos::make_pair(index_t(0), n), Kokkos::ALL, Kokkos::ALL);
}

template <class T>
void check_shape(const TensorOf<T>& t, int channels, index_t n, index_t V,
                 const std::string& what) {
  if (index_t(t.extent(0)) < n || int(t.extent(1)) != channels || index_t(t.extent(2)) != V)
    throw RuntimeFailure(what + " tensor is [" + std::to_string(t.extent(0)) + "][" +
                         std::to_string(t.extent(1)) + "][" + std::to_string(t.extent(2)) +
                         "], needs [>=" + std::to_string(n) + "][" + std::to_string(channels) +
                         "][" + std::to_string(V) + "]");
}

// dst = src for configs 0..n-1, converted from S to D (a plain copy when they agree).
template <class S, class D>
void copy_converted(const TensorOf<S>& src, index_t n, const TensorOf<D>& dst) {
  if constexpr (std::is_same_v<S, D>) {
    Kokkos::deep_copy(first_configs(dst, n), first_configs(src, n));
  } else {
    // The first n configs of a LayoutRight tensor are one contiguous block.
    const index_t count = n * index_t(src.extent(1) * src.extent(2));
    const S* from = src.data();
    D* to = dst.data();
    Kokkos::parallel_for(
        "flow.net.convert", Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<index_t>>(0, count),
        KOKKOS_LAMBDA(index_t i) { to[i] = D(from[i]); });
  }
}

template <class T>
ConvNet::Activations<T> allocate_activations(const std::string& name,
                                             const std::vector<int>& channels, index_t capacity,
                                             index_t V) {
  ConvNet::Activations<T> a;
  a.input = TensorOf<T>(name + ".input", capacity, channels[0], V);
  for (std::size_t i = 0; i + 1 < channels.size(); ++i) {
    a.post.emplace_back(name + ".post" + std::to_string(i), capacity, channels[i + 1], V);
    a.grad.emplace_back(name + ".grad" + std::to_string(i), capacity, channels[i + 1], V);
  }
  if constexpr (!std::is_same_v<T, real_t>) {
    a.output_grad = TensorOf<T>(name + ".output_grad", capacity, channels.back(), V);
    a.input_grad = TensorOf<T>(name + ".input_grad", capacity, channels[0], V);
  }
  return a;
}
}  // namespace

ConvNet::ConvNet(const Geometry& g, const std::vector<int>& channels, int kernel, Activation hidden,
                 Activation final, ParameterStore& store, const std::string& name, index_t capacity,
                 std::shared_ptr<ConvWorkspace> workspace, NetPrecision precision)
    : name_(name),
      hidden_(hidden),
      final_(final),
      precision_(precision),
      capacity_(capacity),
      volume_(g.volume()) {
  if (channels.size() < 2)
    throw InputError("flow network " + name + ": needs input and output channels, got " +
                     std::to_string(channels.size()) + " channel counts");
  if (capacity < 1) throw RuntimeFailure("flow network " + name + ": capacity must be positive");
  if (!workspace) workspace = std::make_shared<ConvWorkspace>();
  layers_.reserve(channels.size() - 1);
  for (std::size_t i = 0; i + 1 < channels.size(); ++i)
    layers_.emplace_back(g, channels[i], channels[i + 1], kernel, store,
                         name + ".conv" + std::to_string(i), workspace);
  if (precision == NetPrecision::Float32)
    f32_ = allocate_activations<float>(name, channels, capacity, volume_);
  else
    f64_ = allocate_activations<double>(name, channels, capacity, volume_);
}

void ConvNet::initialize(const ParamVector& params, std::uint64_t seed,
                         std::uint32_t first_layer_id) const {
  for (std::uint32_t i = 0; i < n_layers(); ++i)
    layers_[i].initialize(params, seed, first_layer_id + i);
}

void ConvNet::zero_output_layer(const ParamVector& params) const {
  const StencilConv& last = layers_.back();
  const auto weights = std::make_pair(last.weight_offset(), last.weight_offset() + last.weight_count());
  const auto bias = std::make_pair(last.bias_offset(), last.bias_offset() + index_t(last.c_out()));
  Kokkos::deep_copy(Kokkos::subview(params, weights), 0.0);
  Kokkos::deep_copy(Kokkos::subview(params, bias), 0.0);
}

double ConvNet::flops_forward(index_t n) const {
  double flops = 0;
  for (const auto& layer : layers_) flops += layer.flops_forward(n);
  return flops;
}

void ConvNet::forward(const ParamVector& params, const Tensor& in, index_t n, const Tensor& out) {
  if (n > capacity_)
    throw RuntimeFailure("flow network " + name_ + ": batch " + std::to_string(n) +
                         " exceeds capacity " + std::to_string(capacity_));
  check_shape(in, c_in(), n, volume_, "flow network " + name_ + ": input");
  check_shape(out, c_out(), n, volume_, "flow network " + name_ + ": output");
  if (precision_ == NetPrecision::Float32)
    forward_in(f32_, params, in, n, out);
  else
    forward_in(f64_, params, in, n, out);
}

template <class T>
void ConvNet::forward_in(Activations<T>& act, const ParamVector& params, const Tensor& in,
                         index_t n, const Tensor& out) {
  // The first layer's weight gradients need the input; the caller may reuse its buffer.
  copy_converted(in, n, act.input);
  const TensorOf<T>* x = &act.input;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Activation a = i + 1 == layers_.size() ? final_ : hidden_;
    layers_[i].forward_activated(params, *x, n, a, act.post[i]);
    x = &act.post[i];
  }
  copy_converted(act.post.back(), n, out);
}

void ConvNet::backward(const ParamVector& params, const Tensor& d_out, index_t n,
                       const Tensor& d_in_net, const ParamVector& grads) {
  if (n > capacity_)
    throw RuntimeFailure("flow network " + name_ + ": batch " + std::to_string(n) +
                         " exceeds capacity " + std::to_string(capacity_));
  check_shape(d_out, c_out(), n, volume_, "flow network " + name_ + ": output gradient");
  if (precision_ == NetPrecision::Float32)
    backward_in(f32_, params, d_out, n, d_in_net, grads);
  else
    backward_in(f64_, params, d_out, n, d_in_net, grads);
}

template <class T>
void ConvNet::backward_in(Activations<T>& act, const ParamVector& params, const Tensor& d_out,
                          index_t n, const Tensor& d_in_net, const ParamVector& grads) {
  const int last = int(layers_.size()) - 1;
  // d: dL/d(pre-activation) of layer i, in T.
  TensorOf<T> d;
  if constexpr (std::is_same_v<T, real_t>) {
    d = d_out;
  } else {
    copy_converted(d_out, n, act.output_grad);
    d = act.output_grad;
  }
  if (final_ != Activation::Identity) {
    activation_backward_from_output(final_, act.post[last], d, n, act.grad[last]);
    d = act.grad[last];
  }
  // The first layer's input gradient: straight into d_in_net in double; in
  // float32 into a buffer, converted at the end.
  TensorOf<T> d_in_first;
  if (d_in_net.size() != 0) {
    if constexpr (std::is_same_v<T, real_t>)
      d_in_first = d_in_net;
    else
      d_in_first = act.input_grad;
  }
  for (int i = last; i >= 0; --i) {
    // Layer i's input is hidden(pre of layer i-1): the input gradient takes
    // its slope as well. The first layer's input is the net's input.
    const TensorOf<T>& in = i == 0 ? act.input : act.post[i - 1];
    const TensorOf<T>& d_in = i == 0 ? d_in_first : act.grad[i - 1];
    layers_[i].backward(params, in, d, n, d_in, grads, i == 0 ? Activation::Identity : hidden_);
    d = d_in;
  }
  if constexpr (!std::is_same_v<T, real_t>)
    if (d_in_net.size() != 0) copy_converted(d_in_first, n, d_in_net);
}

}  // namespace flowlat
