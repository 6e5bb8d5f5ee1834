// Periodic k^d convolution on a lattice of any dimension d = 1..4: PyTorch's
// Conv{1,2,3}d with padding_mode='circular' (a cross-correlation), written as a
// gather from a copy of the input with a periodic halo (PeriodicHalo).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "flowlat/flow/activation.hpp"
#include "flowlat/flow/conv_workspace.hpp"
#include "flowlat/flow/parameters.hpp"
#include "flowlat/flow/periodic_halo.hpp"
#include "flowlat/lattice/geometry.hpp"

namespace flowlat {

// The largest channel count of a layer.
inline constexpr int kMaxChannels = 64;

// The parameters are double (Adam updates them in double); the passes run in
// T = float or double (flow.precision): the weights are converted when they
// are arranged for the gather, the weight gradients summed into the double
// gradient array. Every pass is explicitly instantiated for both.
//
// Parameters in the store, PyTorch's layout: weight [c_out][c_in][k^d] (offsets
// row-major over (-r..r)^d, last direction fastest), then bias [c_out].
//   out[b][co][x] = bias[co] + sum_ci sum_o w[co][ci][o] * in[b][ci][x + offset_o]
class StencilConv {
 public:
  // Registers weight then bias in `store` as name.weight, name.bias.
  // InputError naming the layer when a channel count is outside 1..kMaxChannels
  // or the kernel is not odd. Scratch comes from `workspace` (a new one if null).
  StencilConv(const Geometry& g, int c_in, int c_out, int kernel, ParameterStore& store,
              const std::string& name, std::shared_ptr<ConvWorkspace> workspace = nullptr);

  // PyTorch's default init: weights and bias uniform in (-1/sqrt(fan_in),
  // 1/sqrt(fan_in)), fan_in = c_in k^d, drawn from CounterRng(seed, layer_id)
  // with RandomPurpose::ParameterInit (element i of the block: counter i/2).
  void initialize(const ParamVector& params, std::uint64_t seed, std::uint32_t layer_id) const;

  // out = conv(in) for configs 0..n-1. in: [>=n][c_in][V], out: [>=n][c_out][V].
  template <class T>
  void forward(const ParamVector& params, const TensorOf<T>& in, index_t n,
               const TensorOf<T>& out) const;
  // out = act(conv(in)) in the same kernel (bias and activation fused).
  template <class T>
  void forward_activated(const ParamVector& params, const TensorOf<T>& in, index_t n,
                         Activation act, const TensorOf<T>& out) const;

  // grads += dL/dw, dL/dbias summed over the n configs (accumulate);
  // d_in = f'(pre) * dL/d(in) (overwrite; an empty View skips it), where
  // in = f(pre) came out of activation `in_activation` (Identity: plain dL/d(in)).
  template <class T>
  void backward(const ParamVector& params, const TensorOf<T>& in, const TensorOf<T>& d_out,
                index_t n, const TensorOf<T>& d_in, const ParamVector& grads,
                Activation in_activation = Activation::Identity) const;

  // The two halves of backward(), each on its own:
  // grads += dL/dw, dL/dbias. Deterministic: partial sums over fixed blocks of
  // (config, site), added in a fixed order; no atomics, independent of threads.
  template <class T>
  void accumulate_weight_grads(const TensorOf<T>& in, const TensorOf<T>& d_out, index_t n,
                               const ParamVector& grads) const;
  // d_in = f'(pre) * dL/d(in) as in backward(). A gather through the mirrored
  // stencil (no atomics), organised like forward().
  template <class T>
  void backward_input(const ParamVector& params, const TensorOf<T>& d_out, index_t n,
                      const TensorOf<T>& d_in, Activation in_activation,
                      const TensorOf<T>& in) const;

  int c_in() const { return c_in_; }
  int c_out() const { return c_out_; }
  int kernel() const { return kernel_; }
  int stencil_size() const { return n_offsets_; }
  const std::string& name() const { return name_; }
  index_t weight_offset() const { return weight_offset_; }
  index_t bias_offset() const { return bias_offset_; }
  index_t weight_count() const { return index_t(c_out_) * c_in_ * n_offsets_; }
  double flops_forward(index_t n) const;  // 2 n V c_out c_in k^d

 private:
  template <class T>
  void check_tensor(const TensorOf<T>& t, int channels, index_t n, const char* what) const;
  // t with its halo, configs 0..n-1, in workspace slot `slot`
  template <class T>
  TensorOf<T> padded(ConvWorkspace::Slot slot, const TensorOf<T>& t, index_t n) const;
  // The weights arranged for the gather, in T: [ci][o][co] forward, [co][o][ci]
  // for the input gradient (each step of the gather reads consecutive
  // weights), then the bias [co].
  template <class T>
  const Kokkos::View<T*, MemSpace>& gather_weights(const ParamVector& params, bool forward) const;
  // The kernels, given dL/d(out) with its halo.
  template <class T>
  void add_weight_grads(const TensorOf<T>& in, const TensorOf<T>& d_out_padded, index_t n,
                        const ParamVector& grads) const;
  template <class T>
  void input_grad(const ParamVector& params, const TensorOf<T>& d_out_padded, index_t n,
                  const TensorOf<T>& d_in, Activation in_activation, const TensorOf<T>& in) const;

  std::string name_;
  int c_in_, c_out_, kernel_, n_offsets_;
  index_t volume_;
  index_t weight_offset_, bias_offset_;
  PeriodicHalo halo_;
  std::shared_ptr<ConvWorkspace> workspace_;
  mutable Kokkos::View<double*, MemSpace> weights64_;  // gather_weights()
  mutable Kokkos::View<float*, MemSpace> weights32_;
};

}  // namespace flowlat
