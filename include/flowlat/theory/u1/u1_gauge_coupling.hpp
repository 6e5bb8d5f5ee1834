// A gauge-equivariant coupling layer of U(1) link angles (Kanwar et al.,
// PRL 125, 121601; the tutorial arXiv:2101.08176): the frozen plaquettes, as
// (cos, sin) channels, feed a convolutional net whose output parametrises an
// invertible circle map of each active plaquette; each updated link moves by
// the change of its plaquette, theta_mu(x) += sign (P'(x) - P(x)). Gauge
// invariant inputs and a change expressed through plaquettes make the layer
// commute with gauge transformations; log|det J| = sum over active
// plaquettes of log f'(P). Map is a circle map (u1_circle_maps.hpp).
#pragma once
#include <memory>
#include <string>

#include "flowlat/flow/conv_net.hpp"
#include "flowlat/flow/coupling_layer.hpp"
#include "flowlat/flow/flow_architecture.hpp"
#include "flowlat/theory/u1/u1_gauge_mask.hpp"

namespace flowlat {

template <class Map>
class U1GaugeCoupling final : public CouplingLayer {
 public:
  // options.components: the circle map's size (mixture components or bins);
  // options.hidden/kernel/hidden_activation: the net (no final activation).
  U1GaugeCoupling(const Geometry& geometry, const U1GaugeMask& mask,
                  const CouplingOptions& options, ParameterStore& store, const std::string& name,
                  index_t capacity, std::shared_ptr<ConvWorkspace> workspace = nullptr);

  std::string type() const override { return std::string("u1_") + Map::name(); }
  std::string mask() const override { return mask_description_; }
  void initialize(const ParamVector& params, std::uint64_t seed,
                  std::uint32_t first_stream) const override;
  std::uint32_t n_streams() const override { return net_.n_layers(); }
  void forward(const ParamVector& params, const Field& x, index_t n, const Field& y,
               const BatchScalar& logdet) override;
  void inverse(const ParamVector& params, const Field& y, index_t n, const Field& x,
               const BatchScalar& logdet) override;
  void backward(const ParamVector& params, const Field& x, const Field& grad_y,
                const BatchScalar& grad_logdet, index_t n, const Field& grad_x,
                const ParamVector& grads) override;
  void inverse_backward(const ParamVector& params, const Field& x, const Field& grad_x,
                        const BatchScalar& grad_logdet, index_t n, const Field& grad_y,
                        const ParamVector& grads) override;
  double flops_forward(index_t n) const override { return net_.flops_forward(n); }

  // Building blocks; public because they launch device lambdas (nvcc).
  // Plaquettes of `links` into plaq_ (all of them, in [0, 2 pi)) and the
  // net's output for them into net_out_.
  void condition(const ParamVector& params, const Field& links, index_t n);
  // Moves the active links of `in` by sign * (new - old) of their plaquette
  // into `out` (the others copied), with delta(b, x) = new - old.
  void move_links(const Field& in, index_t n, const Field& out, double direction);
  // dL/dP of every plaquette (plaq_grad_) and dL/d(net output), from the
  // gradient of the pass's output links; then the net's backward pass and
  // dL/d(input links) = grad_out + sum_P dL/dP dP/dlink.
  // logdet += the sum of log f' the last pass left per plaquette.
  void add_logdet(index_t n, const BatchScalar& logdet);
  enum class PassDirection { Forward, Inverse };
  void backpropagate(const ParamVector& params, const Field& grad_out,
                     const BatchScalar& grad_logdet, index_t n, const Field& grad_in,
                     const ParamVector& grads, PassDirection direction);

 private:
  Geometry geometry_;
  std::string mask_description_;
  int sign_, mu_, n_params_, components_;
  bool identity_start_;  // options.identity_start
  Kokkos::View<int*, MemSpace> role_;
  ConvNet net_;
  Field plaq_;       // [n][V]: plaquettes of the forward-direction input, [0, 2 pi)
  Field delta_;      // [n][V]: new - old of each active plaquette
  Tensor net_in_, net_out_, grad_net_out_, grad_net_in_;
  Field plaq_grad_;  // [n][V]
  BatchScalar scratch_;
};

}  // namespace flowlat
