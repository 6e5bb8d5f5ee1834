// A normalizing flow: a prior and a stack of coupling layers, both made by
// the theory for its field type (Theory::flow_stack).
// phi = f(z), log q(phi) = log r(z) - log|det df/dz|.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "flowlat/core/types.hpp"
#include "flowlat/flow/flow_architecture.hpp"
#include "flowlat/flow/flow_stack.hpp"
#include "flowlat/flow/parameters.hpp"
#include "flowlat/lattice/geometry.hpp"

namespace flowlat {

class Theory;

class Flow {
 public:
  // capacity: the largest batch passed to forward/inverse. InputError naming
  // the flow.* key if the architecture does not fit the theory.
  Flow(const Theory& theory, const FlowArchitecture& architecture, index_t capacity);

  // Reproducible from the seed (PyTorch's default initialisation bounds).
  void initialize(std::uint64_t seed);
  ParameterStore& parameters() { return store_; }
  const ParameterStore& parameters() const { return store_; }
  const FlowArchitecture& architecture() const { return architecture_; }
  const Geometry& geometry() const { return geometry_; }
  index_t dof() const { return dof_; }
  index_t capacity() const { return capacity_; }
  const Prior& prior() const { return *prior_; }
  const std::vector<std::unique_ptr<CouplingLayer>>& layers() const { return layers_; }

  // z -> phi and log q(phi) for configs 0..n-1; keeps what backward() needs.
  void forward(const Field& z, index_t n, const Field& phi, const BatchScalar& log_q);
  // phi -> z and log q(phi).
  void inverse(const Field& phi, index_t n, const Field& z, const BatchScalar& log_q);
  // After forward(z): accumulates dL/dtheta into parameters().grads() given
  // dL/dphi (overwritten: used as scratch) and dL/d(log q) per config.
  void backward(const Field& grad_phi, const BatchScalar& grad_log_q, index_t n);

  // After inverse(phi): accumulates dL/dtheta into parameters().grads() for a
  // loss L(log q(phi)) given dL/d(log q) per config (forward-KL training).
  // scratch: [>= n][dof]; holds dL/dphi on return.
  void inverse_backward(const BatchScalar& grad_log_q, index_t n, const Field& scratch);

  double flops_forward(index_t n) const;

  // log q = log r(z) - sum of the layers' log|det J| (accumulated by the last
  // forward/inverse). Public: device lambdas may not live in private members (nvcc).
  void subtract_logdet(index_t n, const BatchScalar& log_q) const;
  // grad_logdet_ = -dL/d(log q): every layer's log|det J| enters log q with -1.
  void set_logdet_gradient(const BatchScalar& grad_log_q, index_t n);

 private:
  // RuntimeFailure naming `what` unless `f` holds >= n configurations of dof_
  // and n <= capacity.
  void check_extents(const Field& f, index_t n, const char* what) const;

  Geometry geometry_;
  index_t dof_;
  FlowArchitecture architecture_;
  index_t capacity_;
  ParameterStore store_;
  std::unique_ptr<Prior> prior_;
  std::vector<std::unique_ptr<CouplingLayer>> layers_;
  std::vector<Field> inputs_;  // input of layer k from the last forward() (or inverse())
  Field inverse_z_;            // the z of the last inverse()
  BatchScalar logdet_, grad_logdet_;
};

}  // namespace flowlat
