// The (s, t) network of a coupling layer: conv, act, conv, act, ..., conv,
// final act, with a hand-written backward pass. Its inputs and outputs are
// double; inside it runs in float or double (NetPrecision): in float32 the
// input is converted on the way in, the output and the input gradient on the
// way out, and the weight gradients are summed into the double gradients.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "flowlat/flow/net_precision.hpp"
#include "flowlat/flow/stencil_conv.hpp"

namespace flowlat {

class ConvNet {
 public:
  // channels = {c_in, hidden..., c_out}, e.g. {1, 8, 8, 2}; layer i is named
  // name.conv<i>. capacity = the largest batch; the net owns the buffers that
  // keep the forward activations backward needs. The layers take scratch from
  // `workspace` (one of their own if null).
  ConvNet(const Geometry& g, const std::vector<int>& channels, int kernel, Activation hidden,
          Activation final, ParameterStore& store, const std::string& name, index_t capacity,
          std::shared_ptr<ConvWorkspace> workspace = nullptr,
          NetPrecision precision = NetPrecision::Float64);

  // Layer i draws from stream first_layer_id + i.
  void initialize(const ParamVector& params, std::uint64_t seed,
                  std::uint32_t first_layer_id) const;
  // The last layer's weights and bias to zero: the net's output is then 0.
  void zero_output_layer(const ParamVector& params) const;
  std::uint32_t n_layers() const { return std::uint32_t(layers_.size()); }
  const std::vector<StencilConv>& layers() const { return layers_; }
  int c_in() const { return layers_.front().c_in(); }
  int c_out() const { return layers_.back().c_out(); }
  index_t capacity() const { return capacity_; }
  NetPrecision precision() const { return precision_; }

  // in: [>=n][c_in][V], out: [>=n][c_out][V]. Keeps a copy of the input and
  // every layer's activated output for backward (one forward, then at most
  // one backward per forward).
  void forward(const ParamVector& params, const Tensor& in, index_t n, const Tensor& out);
  // d_out: [>=n][c_out][V] = dL/d(out) -> grads += dL/dparams, d_in = dL/d(in)
  // (overwrite; an empty View skips it). Uses the state of the last forward().
  void backward(const ParamVector& params, const Tensor& d_out, index_t n, const Tensor& d_in,
                const ParamVector& grads);

  double flops_forward(index_t n) const;

  // What forward keeps for backward, in the precision T the layers run in.
  template <class T>
  struct Activations {
    TensorOf<T> input;               // (converted) copy of the last forward's input
    std::vector<TensorOf<T>> post;   // post[i]: activated output of layer i
    std::vector<TensorOf<T>> grad;   // grad[i]: dL/d(pre-activation of layer i)
    TensorOf<T> output_grad;         // float32: dL/d(out) converted (else unused)
    TensorOf<T> input_grad;          // float32: dL/d(in) before conversion (else unused)
  };

 private:
  template <class T>
  void forward_in(Activations<T>& act, const ParamVector& params, const Tensor& in, index_t n,
                  const Tensor& out);
  template <class T>
  void backward_in(Activations<T>& act, const ParamVector& params, const Tensor& d_out, index_t n,
                   const Tensor& d_in, const ParamVector& grads);

  std::string name_;
  Activation hidden_, final_;
  NetPrecision precision_;
  index_t capacity_, volume_;
  std::vector<StencilConv> layers_;
  Activations<double> f64_;  // the one of the net's precision is allocated
  Activations<float> f32_;
};

}  // namespace flowlat
