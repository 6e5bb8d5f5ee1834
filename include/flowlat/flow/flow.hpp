// A normalizing flow: unit-normal prior and a stack of affine couplings with
// alternating checkerboard masks. phi = f(z), log q(phi) = log r(z) - log|det df/dz|.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "flowlat/core/types.hpp"
#include "flowlat/flow/affine_coupling.hpp"

namespace flowlat {

struct FlowArchitecture {
  int n_layers = 16;
  CouplingOptions coupling;
};

class Flow {
 public:
  // capacity: the largest batch passed to forward/inverse.
  Flow(const Geometry& geometry, const FlowArchitecture& architecture, index_t capacity);

  // Reproducible from the seed (PyTorch's default initialisation bounds).
  void initialize(std::uint64_t seed);
  ParameterStore& parameters() { return store_; }
  const ParameterStore& parameters() const { return store_; }
  const FlowArchitecture& architecture() const { return architecture_; }
  const Geometry& geometry() const { return geometry_; }
  index_t capacity() const { return capacity_; }

  // z -> phi and log q(phi) for configs 0..n-1; keeps what backward() needs.
  void forward(const Field& z, index_t n, const Field& phi, const BatchScalar& log_q);
  // phi -> z and log q(phi).
  void inverse(const Field& phi, index_t n, const Field& z, const BatchScalar& log_q);
  // After forward(z): accumulates dL/dtheta into parameters().grads() given
  // dL/dphi (overwritten: used as scratch) and dL/d(log q) per config.
  void backward(const Field& grad_phi, const BatchScalar& grad_log_q, index_t n);

  // After inverse(phi): accumulates dL/dtheta into parameters().grads() for a
  // loss L(log q(phi)) given dL/d(log q) per config (forward-KL training).
  // scratch: [>= n][V]; holds dL/dphi on return.
  void inverse_backward(const BatchScalar& grad_log_q, index_t n, const Field& scratch);

  // log r(z) of the unit-normal prior, per config.
  void prior_log_density(const Field& z, index_t n, const BatchScalar& log_r) const;
  double flops_forward(index_t n) const;

  // log q = log r(z) - sum of the layers' log|det J| (accumulated by the last
  // forward/inverse). Public: device lambdas may not live in private members (nvcc).
  void subtract_logdet(index_t n, const BatchScalar& log_q) const;
  // grad_logdet_ = -dL/d(log q): every layer's log|det J| enters log q with -1.
  void set_logdet_gradient(const BatchScalar& grad_log_q, index_t n);

 private:

  Geometry geometry_;
  FlowArchitecture architecture_;
  index_t capacity_;
  ParameterStore store_;
  std::vector<std::unique_ptr<AffineCoupling>> layers_;
  std::vector<Field> inputs_;  // input of layer k from the last forward() (or inverse())
  Field inverse_z_;            // the z of the last inverse()
  BatchScalar logdet_, grad_logdet_;
};

}  // namespace flowlat
