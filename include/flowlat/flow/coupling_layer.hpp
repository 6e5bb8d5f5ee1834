// The interface of one invertible layer of a flow: forward, inverse, the
// log-determinant of its Jacobian, and the reverse passes of both. Flow only
// sees this; the layers (affine couplings on a checkerboard, gauge-equivariant
// couplings on plaquettes, ...) are made by the theory (Theory::flow_stack).
#pragma once
#include <cstdint>
#include <string>

#include "flowlat/core/types.hpp"
#include "flowlat/flow/parameters.hpp"

namespace flowlat {

class CouplingLayer {
 public:
  virtual ~CouplingLayer() = default;

  // What the layer is, for model files and inspect: its type and its mask,
  // e.g. "affine" and "checkerboard, frozen parity 0".
  virtual std::string type() const = 0;
  virtual std::string mask() const = 0;

  // Draws the initial parameters; the layer uses random streams
  // first_stream .. first_stream + n_streams() - 1.
  virtual void initialize(const ParamVector& params, std::uint64_t seed,
                          std::uint32_t first_stream) const = 0;
  virtual std::uint32_t n_streams() const = 0;

  // y = f(x) for configs 0..n-1, logdet += log|det df/dx|; keeps what
  // backward() needs.
  virtual void forward(const ParamVector& params, const Field& x, index_t n, const Field& y,
                       const BatchScalar& logdet) = 0;
  // x = f^{-1}(y), logdet += log|det df/dx| at that x (so log q agrees with
  // the forward pass); keeps what inverse_backward() needs.
  virtual void inverse(const ParamVector& params, const Field& y, index_t n, const Field& x,
                       const BatchScalar& logdet) = 0;
  // After forward(x): given dL/dy and dL/dlogdet per config, writes dL/dx
  // (may alias dL/dy) and accumulates parameter gradients.
  virtual void backward(const ParamVector& params, const Field& x, const Field& grad_y,
                        const BatchScalar& grad_logdet, index_t n, const Field& grad_x,
                        const ParamVector& grads) = 0;
  // After inverse(y) -> x: given dL/dx and dL/dlogdet, writes dL/dy (may
  // alias dL/dx) and accumulates parameter gradients (forward-KL training).
  virtual void inverse_backward(const ParamVector& params, const Field& x, const Field& grad_x,
                                const BatchScalar& grad_logdet, index_t n, const Field& grad_y,
                                const ParamVector& grads) = 0;

  virtual double flops_forward(index_t n) const = 0;
};

}  // namespace flowlat
