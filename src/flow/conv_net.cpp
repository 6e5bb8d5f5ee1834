// ConvNet: a chain of StencilConvs. Each layer's activation is fused into its
// forward kernel; backward takes the activation's slope from the kept output
// and fuses it into the input-gradient gather of the next layer down.
#include "flowlat/flow/conv_net.hpp"

#include "flowlat/core/error.hpp"

namespace flowlat {

ConvNet::ConvNet(const Geometry& g, const std::vector<int>& channels, int kernel, Activation hidden,
                 Activation final, ParameterStore& store, const std::string& name, index_t capacity,
                 std::shared_ptr<ConvWorkspace> workspace)
    : name_(name), hidden_(hidden), final_(final), capacity_(capacity), volume_(g.volume()) {
  if (channels.size() < 2)
    throw InputError("flow network " + name + ": needs input and output channels, got " +
                     std::to_string(channels.size()) + " channel counts");
  if (capacity < 1) throw RuntimeFailure("flow network " + name + ": capacity must be positive");
  const index_t V = volume_;
  if (!workspace) workspace = std::make_shared<ConvWorkspace>();
  layers_.reserve(channels.size() - 1);
  for (std::size_t i = 0; i + 1 < channels.size(); ++i) {
    layers_.emplace_back(g, channels[i], channels[i + 1], kernel, store,
                         name + ".conv" + std::to_string(i), workspace);
    post_.emplace_back(name + ".post" + std::to_string(i), capacity, channels[i + 1], V);
    grad_.emplace_back(name + ".grad" + std::to_string(i), capacity, channels[i + 1], V);
  }
  input_ = Tensor(name + ".input", capacity, channels[0], V);
}

void ConvNet::initialize(const ParamVector& params, std::uint64_t seed,
                         std::uint32_t first_layer_id) const {
  for (std::uint32_t i = 0; i < n_layers(); ++i)
    layers_[i].initialize(params, seed, first_layer_id + i);
}

double ConvNet::flops_forward(index_t n) const {
  double flops = 0;
  for (const auto& layer : layers_) flops += layer.flops_forward(n);
  return flops;
}

namespace {
Tensor first_configs(const Tensor& t, index_t n) {
  return Kokkos::subview(t, Kokkos::make_pair(index_t(0), n), Kokkos::ALL, Kokkos::ALL);
}

void check_shape(const Tensor& t, int channels, index_t n, index_t V, const std::string& what) {
  if (index_t(t.extent(0)) < n || int(t.extent(1)) != channels || index_t(t.extent(2)) != V)
    throw RuntimeFailure(what + " tensor is [" + std::to_string(t.extent(0)) + "][" +
                         std::to_string(t.extent(1)) + "][" + std::to_string(t.extent(2)) +
                         "], needs [>=" + std::to_string(n) + "][" + std::to_string(channels) +
                         "][" + std::to_string(V) + "]");
}
}  // namespace

void ConvNet::forward(const ParamVector& params, const Tensor& in, index_t n, const Tensor& out) {
  if (n > capacity_)
    throw RuntimeFailure("flow network " + name_ + ": batch " + std::to_string(n) +
                         " exceeds capacity " + std::to_string(capacity_));
  check_shape(in, c_in(), n, volume_, "flow network " + name_ + ": input");
  check_shape(out, c_out(), n, volume_, "flow network " + name_ + ": output");
  // The first layer's weight gradients need the input; the caller may reuse its buffer.
  Kokkos::deep_copy(first_configs(input_, n), first_configs(in, n));
  const Tensor* x = &input_;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Activation act = i + 1 == layers_.size() ? final_ : hidden_;
    layers_[i].forward_activated(params, *x, n, act, post_[i]);
    x = &post_[i];
  }
  Kokkos::deep_copy(first_configs(out, n), first_configs(post_.back(), n));
}

void ConvNet::backward(const ParamVector& params, const Tensor& d_out, index_t n,
                       const Tensor& d_in_net, const ParamVector& grads) {
  if (n > capacity_)
    throw RuntimeFailure("flow network " + name_ + ": batch " + std::to_string(n) +
                         " exceeds capacity " + std::to_string(capacity_));
  check_shape(d_out, c_out(), n, volume_, "flow network " + name_ + ": output gradient");
  const int last = int(layers_.size()) - 1;
  // d: dL/d(pre-activation) of layer i.
  Tensor d = d_out;
  if (final_ != Activation::Identity) {
    activation_backward_from_output(final_, post_[last], d_out, n, grad_[last]);
    d = grad_[last];
  }
  for (int i = last; i >= 0; --i) {
    // Layer i's input is hidden(pre of layer i-1): the input gradient takes
    // its slope as well. The first layer's input is the net's input.
    const Tensor& in = i == 0 ? input_ : post_[i - 1];
    const Tensor& d_in = i == 0 ? d_in_net : grad_[i - 1];
    layers_[i].backward(params, in, d, n, d_in, grads, i == 0 ? Activation::Identity : hidden_);
    d = d_in;
  }
}

}  // namespace flowlat
