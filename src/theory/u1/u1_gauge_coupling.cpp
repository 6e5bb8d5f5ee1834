// Gauge-equivariant U(1) coupling: plaquettes -> net -> circle map of the
// active plaquettes -> links, and the hand-written reverse passes.
#include "flowlat/theory/u1/u1_gauge_coupling.hpp"

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/batch_reduce.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/theory/u1/u1_circle_maps.hpp"
#include "flowlat/theory/u1/u1_plaquette.hpp"

namespace flowlat {

namespace {
std::vector<int> net_channels(const std::vector<int>& hidden, int outputs) {
  std::vector<int> c{2};  // (cos, sin) of the frozen plaquettes
  c.insert(c.end(), hidden.begin(), hidden.end());
  c.push_back(outputs);
  return c;
}
}  // namespace

template <class Map>
U1GaugeCoupling<Map>::U1GaugeCoupling(const Geometry& geometry, const U1GaugeMask& mask,
                                      const CouplingOptions& options, ParameterStore& store,
                                      const std::string& name, index_t capacity,
                                      std::shared_ptr<ConvWorkspace> workspace)
    : geometry_(geometry),
      mask_description_(mask.description()),
      sign_(mask.sign()),
      mu_(mask.mu()),
      n_params_(Map::param_count(options.components)),
      components_(options.components),
      identity_start_(options.identity_start),
      role_(mask.plaquette_role()),
      // the tutorial's U(1) nets end without an activation: t is an angle
      net_(geometry, net_channels(options.hidden, Map::param_count(options.components)),
           options.kernel, options.hidden_activation, Activation::Identity, store, name + ".net",
           capacity, std::move(workspace), options.precision) {
  const index_t V = geometry.volume();
  plaq_ = Field("u1coupling.plaq", capacity, V);
  delta_ = Field("u1coupling.delta", capacity, V);
  plaq_grad_ = Field("u1coupling.plaq_grad", capacity, V);
  net_in_ = Tensor("u1coupling.net_in", capacity, 2, V);
  net_out_ = Tensor("u1coupling.net_out", capacity, n_params_, V);
  grad_net_out_ = Tensor("u1coupling.grad_net_out", capacity, n_params_, V);
  grad_net_in_ = Tensor("u1coupling.grad_net_in", capacity, 2, V);
  scratch_ = BatchScalar("u1coupling.logdet_sum", capacity);
}

template <class Map>
void U1GaugeCoupling<Map>::initialize(const ParamVector& params, std::uint64_t seed,
                                      std::uint32_t first_stream) const {
  net_.initialize(params, seed, first_stream);
  if (identity_start_) net_.zero_output_layer(params);
}

template <class Map>
void U1GaugeCoupling<Map>::condition(const ParamVector& params, const Field& links, index_t n) {
  const auto fwd = geometry_.forward();
  const index_t V = geometry_.volume();
  const auto role = role_;
  const auto plaq = plaq_;
  const auto in = net_in_;
  Kokkos::parallel_for(
      "u1coupling.plaquettes", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t x) {
        const real_t p = u1::wrap_positive(u1::plaquette_angle(links, b, fwd, V, x, 0, 1));
        plaq(b, x) = p;
        // the tutorial's net sees cos and sin of (frozen mask * P): (1, 0) off the frozen stripes
        const bool frozen = role(x) == U1GaugeMask::Frozen;
        in(b, 0, x) = frozen ? math::cos(p) : 1.0;
        in(b, 1, x) = frozen ? math::sin(p) : 0.0;
      });
  net_.forward(params, net_in_, n, net_out_);
}

template <class Map>
void U1GaugeCoupling<Map>::move_links(const Field& in, index_t n, const Field& out,
                                      double direction) {
  const index_t V = geometry_.volume();
  const auto role = role_;
  const auto delta = delta_;
  const int mu = mu_;
  const real_t step = direction * sign_;
  Kokkos::parallel_for(
      "u1coupling.move_links", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t x) {
        for (int m = 0; m < 2; ++m) {
          const index_t l = m * V + x;
          out(b, l) = (m == mu && role(x) == U1GaugeMask::Active)
                          ? u1::wrap_positive(in(b, l) + step * delta(b, x))
                          : in(b, l);
        }
      });
}

template <class Map>
void U1GaugeCoupling<Map>::add_logdet(index_t n, const BatchScalar& logdet) {
  const auto logj = plaq_grad_;  // log f' per active plaquette, written by the pass
  const BatchScalar sum = scratch_;
  batch_sum("u1coupling.logdet", n, geometry_.volume(), sum,
            KOKKOS_LAMBDA(index_t b, index_t s) { return logj(b, s); });
  Kokkos::parallel_for(
      "u1coupling.add_logdet", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b) { logdet(b) += sum(b); });
}

template <class Map>
void U1GaugeCoupling<Map>::forward(const ParamVector& params, const Field& x, index_t n,
                                   const Field& y, const BatchScalar& logdet) {
  condition(params, x, n);
  const index_t V = geometry_.volume();
  const auto role = role_;
  const auto plaq = plaq_, delta = delta_, logj = plaq_grad_;  // plaq_grad_: scratch here
  const auto out = net_out_;
  const int np = n_params_, K = components_;
  Kokkos::parallel_for(
      "u1coupling.map_forward", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t s) {
        if (role(s) != U1GaugeMask::Active) {
          delta(b, s) = 0;
          logj(b, s) = 0;
          return;
        }
        real_t p[kMaxCircleParams];
        for (int c = 0; c < np; ++c) p[c] = out(b, c, s);
        CircleMapPartials m;
        Map::evaluate(plaq(b, s), p, K, m);
        delta(b, s) = m.y - plaq(b, s);
        logj(b, s) = m.log_dy_dx;
      });
  add_logdet(n, logdet);
  move_links(x, n, y, +1.0);
}

template <class Map>
void U1GaugeCoupling<Map>::inverse(const ParamVector& params, const Field& y, index_t n,
                                   const Field& x, const BatchScalar& logdet) {
  // the frozen plaquettes of y are those of x: the net sees the same input
  condition(params, y, n);
  const index_t V = geometry_.volume();
  const auto role = role_;
  const auto plaq = plaq_, delta = delta_, logj = plaq_grad_;
  const auto out = net_out_;
  const int np = n_params_, K = components_;
  Kokkos::parallel_for(
      "u1coupling.map_inverse", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t s) {
        if (role(s) != U1GaugeMask::Active) {
          delta(b, s) = 0;
          logj(b, s) = 0;
          return;
        }
        real_t p[kMaxCircleParams];
        for (int c = 0; c < np; ++c) p[c] = out(b, c, s);
        const real_t new_p = plaq(b, s);
        const real_t old_p = Map::inverse(new_p, p, K);
        CircleMapPartials m;
        Map::evaluate(old_p, p, K, m);
        delta(b, s) = new_p - old_p;
        logj(b, s) = m.log_dy_dx;
        plaq(b, s) = old_p;  // the forward-direction input, as backpropagate() expects
      });
  add_logdet(n, logdet);
  move_links(y, n, x, -1.0);
}

template <class Map>
void U1GaugeCoupling<Map>::backward(const ParamVector& params, const Field& /*x*/,
                                    const Field& grad_y, const BatchScalar& grad_logdet,
                                    index_t n, const Field& grad_x, const ParamVector& grads) {
  backpropagate(params, grad_y, grad_logdet, n, grad_x, grads, PassDirection::Forward);
}

template <class Map>
void U1GaugeCoupling<Map>::inverse_backward(const ParamVector& params, const Field& /*x*/,
                                            const Field& grad_x, const BatchScalar& grad_logdet,
                                            index_t n, const Field& grad_y,
                                            const ParamVector& grads) {
  backpropagate(params, grad_x, grad_logdet, n, grad_y, grads, PassDirection::Inverse);
}

template <class Map>
void U1GaugeCoupling<Map>::backpropagate(const ParamVector& params, const Field& grad_out,
                                         const BatchScalar& grad_logdet, index_t n,
                                         const Field& grad_in, const ParamVector& grads,
                                         PassDirection direction) {
  const index_t V = geometry_.volume();
  const auto role = role_;
  const auto plaq = plaq_, G = plaq_grad_;
  const auto out = net_out_, g_out = grad_net_out_;
  const int np = n_params_, K = components_, mu = mu_;
  const real_t sign = sign_;
  const bool forward = direction == PassDirection::Forward;
  // Forward pass: link' = link + sign (f(P) - P). Inverse pass: link =
  // link' - sign (P' - f^-1(P')), x = f^-1(P') implicit (dx/dP' = 1/f',
  // dx/dp = -(df/dp)/f'). Both add log f'(x) to log|det J|.
  Kokkos::parallel_for(
      "u1coupling.grad_map", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t s) {
        for (int c = 0; c < np; ++c) g_out(b, c, s) = 0;
        if (role(s) != U1GaugeMask::Active) {
          G(b, s) = 0;
          return;
        }
        real_t p[kMaxCircleParams];
        for (int c = 0; c < np; ++c) p[c] = out(b, c, s);
        CircleMapPartials m;
        Map::evaluate(plaq(b, s), p, K, m);
        const real_t gl = grad_logdet(b);
        const real_t g_link = grad_out(b, mu * V + s);
        if (forward) {
          const real_t g_delta = sign * g_link;
          G(b, s) = g_delta * (m.dy_dx - 1) + gl * m.d_log_dx;
          for (int c = 0; c < np; ++c) g_out(b, c, s) = g_delta * m.dy_dp[c] + gl * m.d_log_dp[c];
        } else {
          const real_t g_delta = -sign * g_link;
          const real_t g_x = -g_delta + gl * m.d_log_dx;  // dL/dx, x held fixed elsewhere
          G(b, s) = g_delta + g_x / m.dy_dx;
          for (int c = 0; c < np; ++c)
            g_out(b, c, s) = -g_x * m.dy_dp[c] / m.dy_dx + gl * m.d_log_dp[c];
        }
      });
  net_.backward(params, grad_net_out_, n, grad_net_in_, grads);
  const auto g_in = grad_net_in_;
  Kokkos::parallel_for(
      "u1coupling.grad_frozen", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t s) {
        if (role(s) != U1GaugeMask::Frozen) return;
        const real_t p = plaq(b, s);
        G(b, s) = -math::sin(p) * g_in(b, 0, s) + math::cos(p) * g_in(b, 1, s);
      });
  // P(x) = theta_0(x) + theta_1(x + 0) - theta_0(x + 1) - theta_1(x)
  const auto bwd = geometry_.backward();
  Kokkos::parallel_for(
      "u1coupling.grad_links", batch_site_policy(n, V), KOKKOS_LAMBDA(index_t b, index_t s) {
        grad_in(b, s) = grad_out(b, s) + G(b, s) - G(b, bwd(s, 1));
        grad_in(b, V + s) = grad_out(b, V + s) + G(b, bwd(s, 0)) - G(b, s);
      });
}

template class U1GaugeCoupling<NcpCircleMap>;
template class U1GaugeCoupling<SplineCircleMap>;

}  // namespace flowlat
