// Real-NVP affine coupling with a checkerboard mask (Albergo et al. 2019,
// arXiv:2101.08176): frozen sites feed a CNN giving (s, t), active sites
// become x exp(s) + t, and log|det J| = sum of s over active sites.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "flowlat/core/types.hpp"
#include "flowlat/flow/conv_net.hpp"
#include "flowlat/flow/coupling_layer.hpp"
#include "flowlat/flow/flow_architecture.hpp"
#include "flowlat/flow/site_mask.hpp"

namespace flowlat {

class AffineCoupling final : public CouplingLayer {
 public:
  // The sites `mask` marks frozen feed the net; the others are transformed.
  // The net takes scratch from `workspace` (one of its own if null).
  AffineCoupling(const Geometry& geometry, const SiteMask& mask, const CouplingOptions& options,
                 ParameterStore& store, const std::string& name, index_t capacity,
                 std::shared_ptr<ConvWorkspace> workspace = nullptr);

  std::string type() const override { return "affine"; }
  std::string mask() const override { return mask_description_; }
  void initialize(const ParamVector& params, std::uint64_t seed,
                  std::uint32_t first_stream) const override;
  std::uint32_t n_streams() const override { return net_.n_layers(); }

  // y = f(x) for configs 0..n-1, logdet += log|det df/dx|. Keeps what
  // backward() needs (s, exp(s), the net's activations).
  void forward(const ParamVector& params, const Field& x, index_t n, const Field& y,
               const BatchScalar& logdet) override;
  // x = f^{-1}(y), logdet += log|det df/dx| at that x (so log q agrees with forward).
  void inverse(const ParamVector& params, const Field& y, index_t n, const Field& x,
               const BatchScalar& logdet) override;
  // After forward(x): given dL/dy and dL/dlogdet per config, writes dL/dx
  // (may alias dL/dy) and accumulates parameter gradients.
  void backward(const ParamVector& params, const Field& x, const Field& grad_y,
                const BatchScalar& grad_logdet, index_t n, const Field& grad_x,
                const ParamVector& grads) override;

  // After inverse(y) -> x: given dL/dx (the inverse pass's output) and
  // dL/dlogdet, writes dL/dy (may alias dL/dx) and accumulates parameter
  // gradients. Used by forward-KL training, where log q(phi) comes from the
  // inverse pass.
  void inverse_backward(const ParamVector& params, const Field& x, const Field& grad_x,
                        const BatchScalar& grad_logdet, index_t n, const Field& grad_y,
                        const ParamVector& grads) override;

  double flops_forward(index_t n) const override;

  // Building blocks of forward/inverse. Public because they launch device
  // lambdas, which nvcc does not allow in private member functions.
  // Net input from the frozen sites of x; runs the net (twice the batch for
  // Z2) and combines to s, t into st_.
  void compute_scale_shift(const ParamVector& params, const Field& x, index_t n);
  // logdet(b) += sum of s over active sites
  void add_active_scale(index_t n, const BatchScalar& logdet);
  // out = in e^s + t (Forward) or (in - t) e^-s (Inverse) at active sites,
  // in at frozen ones, with s, t from st_.
  enum class AffineDirection { Forward, Inverse };
  void apply_affine(const Field& in, index_t n, const Field& out, AffineDirection direction) const;
  // The reverse pass of forward() or inverse(): x is the forward-direction
  // input (the inverse pass's output), grad_out the gradient with respect to
  // the output of that pass, grad_in the one with respect to its input.
  enum class PassDirection { Forward, Inverse };
  void backpropagate(const ParamVector& params, const Field& x, const Field& grad_out,
                     const BatchScalar& grad_logdet, index_t n, const Field& grad_in,
                     const ParamVector& grads, PassDirection direction);

 private:

  Geometry geometry_;
  std::string mask_description_;
  Equivariance equivariance_;
  ConvNet net_;
  Kokkos::View<int*, MemSpace> frozen_;  // [site] 1 if frozen
  SiteList active_;                      // the sites not frozen, increasing
  Tensor net_in_, net_out_, grad_net_out_, grad_net_in_;
  Tensor st_;  // [n][2][V]: s, t after symmetrisation (Z2), else net_out_ itself
  BatchScalar scratch_;
};

}  // namespace flowlat
