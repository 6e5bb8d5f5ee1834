// Affine coupling: forward, inverse and the hand-written backward pass.
#include "flowlat/flow/affine_coupling.hpp"

#include <vector>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/batch_reduce.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/math.hpp"
#include "flowlat/core/vector_math.hpp"

namespace flowlat {

namespace {
std::vector<int> net_channels(const std::vector<int>& hidden) {
  std::vector<int> c{1};
  c.insert(c.end(), hidden.begin(), hidden.end());
  c.push_back(2);
  return c;
}
}  // namespace

AffineCoupling::AffineCoupling(const Geometry& geometry, const SiteMask& mask,
                               const CouplingOptions& options, ParameterStore& store,
                               const std::string& name, index_t capacity,
                               std::shared_ptr<ConvWorkspace> workspace)
    : geometry_(geometry),
      mask_description_(mask.description()),
      equivariance_(options.equivariance),
      net_(geometry, net_channels(options.hidden), options.kernel, options.hidden_activation,
           options.final_activation, store, name + ".net",
           options.equivariance == Equivariance::Z2 ? 2 * capacity : capacity,
           std::move(workspace), options.precision),
      frozen_(mask.frozen()) {
  const index_t V = geometry.volume();
  const index_t net_batch = equivariance_ == Equivariance::Z2 ? 2 * capacity : capacity;
  net_in_ = Tensor("coupling.net_in", net_batch, 1, V);
  net_out_ = Tensor("coupling.net_out", net_batch, 2, V);
  grad_net_out_ = Tensor("coupling.grad_net_out", net_batch, 2, V);
  grad_net_in_ = Tensor("coupling.grad_net_in", net_batch, 1, V);
  // Without Z2 the net's output is s, t as is: no copy.
  st_ = equivariance_ == Equivariance::Z2 ? Tensor("coupling.st", capacity, 2, V) : net_out_;
  scratch_ = BatchScalar("coupling.logdet_sum", capacity);
  // the active sites in increasing order (apply_affine)
  const auto fh = Kokkos::create_mirror_view_and_copy(HostSpace(), frozen_);
  std::vector<index_t> active;
  for (index_t x = 0; x < V; ++x)
    if (!fh(x)) active.push_back(x);
  active_ = SiteList(Kokkos::view_alloc("coupling.active", Kokkos::WithoutInitializing),
                     active.size());
  const auto ah = Kokkos::create_mirror_view(active_);
  for (std::size_t i = 0; i < active.size(); ++i) ah(i) = active[i];
  Kokkos::deep_copy(active_, ah);
}

void AffineCoupling::initialize(const ParamVector& params, std::uint64_t seed,
                                std::uint32_t first_stream) const {
  net_.initialize(params, seed, first_stream);
}

double AffineCoupling::flops_forward(index_t n) const {
  return net_.flops_forward(equivariance_ == Equivariance::Z2 ? 2 * n : n);
}

void AffineCoupling::compute_scale_shift(const ParamVector& params, const Field& x, index_t n) {
  const auto frozen = frozen_;
  const auto in = net_in_;
  const bool z2 = equivariance_ == Equivariance::Z2;
  const index_t V = geometry_.volume();
  Kokkos::parallel_for(
      "coupling.mask_input", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t s) {
        const real_t v = frozen(s) ? x(b, s) : 0.0;
        in(b, 0, s) = v;
        if (z2) in(n + b, 0, s) = -v;
      });
  net_.forward(params, in, z2 ? 2 * n : n, net_out_);
  if (!z2) return;  // st_ is net_out_
  const auto out = net_out_;
  const auto st = st_;
  Kokkos::parallel_for(
      "coupling.combine_st", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t s) {
        // s even, t odd in the frozen field
        st(b, 0, s) = 0.5 * (out(b, 0, s) + out(n + b, 0, s));
        st(b, 1, s) = 0.5 * (out(b, 1, s) - out(n + b, 1, s));
      });
}

void AffineCoupling::forward(const ParamVector& params, const Field& x, index_t n, const Field& y,
                             const BatchScalar& logdet) {
  compute_scale_shift(params, x, n);
  apply_affine(x, n, y, AffineDirection::Forward);
  add_active_scale(n, logdet);
}

void AffineCoupling::inverse(const ParamVector& params, const Field& y, index_t n, const Field& x,
                             const BatchScalar& logdet) {
  // frozen sites of x equal those of y, so the net sees the same input
  compute_scale_shift(params, y, n);
  apply_affine(y, n, x, AffineDirection::Inverse);
  add_active_scale(n, logdet);
}

void AffineCoupling::apply_affine(const Field& in, index_t n, const Field& out,
                                  AffineDirection direction) const {
  // Frozen sites are copied (all sites, then the active ones overwritten).
  // Active sites in work items of kBlock: their s gathered into a local
  // array, e^s there as a vector loop, the update scattered back. As a
  // site-at-a-time kernel with libm's exp it was a tenth of a float32
  // proposal; e^s at every site with a select cost nearly as much.
  constexpr int kBlock = 32;
  const auto active = active_;
  const auto st = st_;
  const index_t V = geometry_.volume(), n_active = index_t(active.extent(0));
  if (in.data() != out.data())
    Kokkos::parallel_for(
        "coupling.copy", batch_site_policy(n, V),
        KOKKOS_LAMBDA(index_t b, index_t x) { out(b, x) = in(b, x); });
  const real_t sign = direction == AffineDirection::Forward ? 1.0 : -1.0;
  Kokkos::parallel_for(
      "coupling.apply", batch_site_policy(n, (n_active + kBlock - 1) / kBlock),
      KOKKOS_LAMBDA(index_t b, index_t block) {
        const index_t j0 = block * kBlock;
        const int count = int(n_active - j0 < kBlock ? n_active - j0 : kBlock);
        const index_t* sites = &active(j0);
        real_t e[kBlock];
        for (int k = 0; k < count; ++k) e[k] = sign * st(b, 0, sites[k]);
        for (int k = 0; k < count; ++k) e[k] = vmath::exp(e[k]);
        if (sign > 0) {  // y = x e^s + t
          for (int k = 0; k < count; ++k)
            out(b, sites[k]) = in(b, sites[k]) * e[k] + st(b, 1, sites[k]);
        } else {  // x = (y - t) e^-s
          for (int k = 0; k < count; ++k)
            out(b, sites[k]) = (in(b, sites[k]) - st(b, 1, sites[k])) * e[k];
        }
      });
}

void AffineCoupling::add_active_scale(index_t n, const BatchScalar& logdet) {
  const auto frozen = frozen_;
  const auto st = st_;
  const BatchScalar sum = scratch_;
  batch_sum("coupling.logdet", n, geometry_.volume(), sum,
            KOKKOS_LAMBDA(index_t b, index_t s) { return frozen(s) ? 0.0 : st(b, 0, s); });
  Kokkos::parallel_for(
      "coupling.add_logdet", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b) { logdet(b) += sum(b); });
}

void AffineCoupling::backward(const ParamVector& params, const Field& x, const Field& grad_y,
                              const BatchScalar& grad_logdet, index_t n, const Field& grad_x,
                              const ParamVector& grads) {
  backpropagate(params, x, grad_y, grad_logdet, n, grad_x, grads, PassDirection::Forward);
}

void AffineCoupling::inverse_backward(const ParamVector& params, const Field& x,
                                      const Field& grad_x, const BatchScalar& grad_logdet,
                                      index_t n, const Field& grad_y, const ParamVector& grads) {
  backpropagate(params, x, grad_x, grad_logdet, n, grad_y, grads, PassDirection::Inverse);
}

void AffineCoupling::backpropagate(const ParamVector& params, const Field& x, const Field& grad_out,
                                   const BatchScalar& grad_logdet, index_t n,
                                   const Field& grad_in, const ParamVector& grads,
                                   PassDirection direction) {
  const auto frozen = frozen_;
  const auto st = st_;
  const auto g_out = grad_net_out_;
  const bool z2 = equivariance_ == Equivariance::Z2;
  const bool forward = direction == PassDirection::Forward;
  const index_t V = geometry_.volume();
  // dL/ds and dL/dt at active sites (the net's outputs at frozen sites are
  // unused). Forward pass y = x e^s + t; inverse pass x = (y - t) e^-s; both
  // add s to log|det J|.
  Kokkos::parallel_for(
      "coupling.grad_st", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t s) {
        real_t gs = 0, gt = 0;
        if (!frozen(s)) {
          const real_t g = grad_out(b, s);
          if (forward) {
            gs = g * x(b, s) * vmath::exp(st(b, 0, s)) + grad_logdet(b);
            gt = g;
          } else {
            gs = -g * x(b, s) + grad_logdet(b);
            gt = -g * vmath::exp(-st(b, 0, s));
          }
        }
        if (z2) {  // through s = (s+ + s-)/2, t = (t+ - t-)/2
          g_out(b, 0, s) = 0.5 * gs;
          g_out(b, 1, s) = 0.5 * gt;
          g_out(n + b, 0, s) = 0.5 * gs;
          g_out(n + b, 1, s) = -0.5 * gt;
        } else {
          g_out(b, 0, s) = gs;
          g_out(b, 1, s) = gt;
        }
      });
  net_.backward(params, g_out, z2 ? 2 * n : n, grad_net_in_, grads);
  const auto g_in = grad_net_in_;
  Kokkos::parallel_for(
      "coupling.grad_in", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t s) {
        if (frozen(s)) {
          // the net input was the frozen field (and its negative for the Z2 twin)
          const real_t through_net = z2 ? g_in(b, 0, s) - g_in(n + b, 0, s) : g_in(b, 0, s);
          grad_in(b, s) = grad_out(b, s) + through_net;
        } else {
          grad_in(b, s) = grad_out(b, s) * vmath::exp(forward ? st(b, 0, s) : -st(b, 0, s));
        }
      });
}

}  // namespace flowlat
