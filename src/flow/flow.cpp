// Flow: the prior, the layer stack, and the reverse pass through it.
#include "flowlat/flow/flow.hpp"

#include <cmath>

#include "flowlat/core/error.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat {

Flow::Flow(const Theory& theory, const FlowArchitecture& architecture, index_t capacity)
    : geometry_(theory.geometry()),
      dof_(theory.dof()),
      architecture_(architecture),
      capacity_(capacity),
      logdet_("flow.logdet", capacity),
      grad_logdet_("flow.grad_logdet", capacity) {
  FlowStack stack = theory.flow_stack(architecture, store_, capacity);
  prior_ = std::move(stack.prior);
  layers_ = std::move(stack.layers);
  for (std::size_t k = 0; k < layers_.size(); ++k)
    inputs_.emplace_back("flow.layer_input" + std::to_string(k), capacity, dof_);
  store_.allocate();
}

void Flow::initialize(std::uint64_t seed) {
  std::uint32_t id = 0;
  for (const auto& layer : layers_) {
    layer->initialize(store_.values(), seed, id);
    id += layer->n_streams();
  }
}

void Flow::check_extents(const Field& f, index_t n, const char* what) const {
  if (n > capacity_ || index_t(f.extent(0)) < n || index_t(f.extent(1)) != dof_)
    throw RuntimeFailure(std::string("flow: ") + what + " holds " + std::to_string(f.extent(0)) +
                         " configurations of " + std::to_string(f.extent(1)) +
                         " values; the flow needs " + std::to_string(n) + " of " +
                         std::to_string(dof_) + " (capacity " + std::to_string(capacity_) + ")");
}

double Flow::flops_forward(index_t n) const {
  double f = 0;
  for (const auto& layer : layers_) f += layer->flops_forward(n);
  return f;
}

void Flow::subtract_logdet(index_t n, const BatchScalar& log_q) const {
  const auto logdet = logdet_;
  Kokkos::parallel_for(
      "flow.log_q", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b) { log_q(b) -= logdet(b); });
}

void Flow::forward(const Field& z, index_t n, const Field& phi, const BatchScalar& log_q) {
  check_extents(z, n, "z");
  check_extents(phi, n, "phi");
  prior_->log_density(z, n, log_q);
  Kokkos::deep_copy(logdet_, 0.0);
  const auto params = store_.values();
  const auto rows = std::make_pair(index_t(0), n);
  if (layers_.empty()) {
    Kokkos::deep_copy(Kokkos::subview(phi, rows, Kokkos::ALL), Kokkos::subview(z, rows, Kokkos::ALL));
    return;
  }
  Kokkos::deep_copy(Kokkos::subview(inputs_[0], rows, Kokkos::ALL),
                    Kokkos::subview(z, rows, Kokkos::ALL));
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const Field& out = k + 1 < layers_.size() ? inputs_[k + 1] : phi;
    layers_[k]->forward(params, inputs_[k], n, out, logdet_);
  }
  subtract_logdet(n, log_q);
}

void Flow::inverse(const Field& phi, index_t n, const Field& z, const BatchScalar& log_q) {
  check_extents(phi, n, "phi");
  check_extents(z, n, "z");
  Kokkos::deep_copy(logdet_, 0.0);
  const auto params = store_.values();
  Field current = phi;
  for (std::size_t k = layers_.size(); k-- > 0;) {
    const Field& out = k > 0 ? inputs_[k] : z;
    layers_[k]->inverse(params, current, n, out, logdet_);
    current = out;
  }
  if (layers_.empty()) {
    const auto rows = std::make_pair(index_t(0), n);
    Kokkos::deep_copy(Kokkos::subview(z, rows, Kokkos::ALL), Kokkos::subview(phi, rows, Kokkos::ALL));
  }
  inverse_z_ = z;
  prior_->log_density(z, n, log_q);
  subtract_logdet(n, log_q);
}

void Flow::set_logdet_gradient(const BatchScalar& grad_log_q, index_t n) {
  const auto g_logdet = grad_logdet_;
  Kokkos::parallel_for(
      "flow.grad_logdet", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b) { g_logdet(b) = -grad_log_q(b); });
}

void Flow::backward(const Field& grad_phi, const BatchScalar& grad_log_q, index_t n) {
  // log r(z) depends on no parameter
  set_logdet_gradient(grad_log_q, n);
  const auto params = store_.values();
  const auto grads = store_.grads();
  for (std::size_t k = layers_.size(); k-- > 0;)
    layers_[k]->backward(params, inputs_[k], grad_phi, grad_logdet_, n, grad_phi, grads);
}

void Flow::inverse_backward(const BatchScalar& grad_log_q, index_t n, const Field& scratch) {
  set_logdet_gradient(grad_log_q, n);
  check_extents(scratch, n, "scratch");
  prior_->log_density_gradient(inverse_z_, n, grad_log_q, scratch);  // dL/dz through log r(z)
  // The inverse pass ran the layers last to first: its reverse runs them first to last.
  const auto params = store_.values();
  const auto grads = store_.grads();
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const Field& x = k > 0 ? inputs_[k] : inverse_z_;
    layers_[k]->inverse_backward(params, x, scratch, grad_logdet_, n, scratch, grads);
  }
}

}  // namespace flowlat
