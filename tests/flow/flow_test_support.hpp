// Small flows and helpers shared by the flow tests.
#pragma once
#include <cmath>
#include <cstdio>
#include <vector>

#include "flowlat/flow/flow.hpp"
#include "flowlat/flow/flow_trainer.hpp"
#include "test_fields.hpp"

namespace flowlat::testing_support {

inline FlowArchitecture tiny_architecture(Equivariance eq = Equivariance::None, int layers = 4) {
  FlowArchitecture a;
  a.n_layers = layers;
  a.coupling.hidden = {4, 4};
  a.coupling.kernel = 3;
  a.coupling.equivariance = eq;
  return a;
}

// The 2V configurations of a central difference around row 0 of `base`:
// row 2j = base + h e_j, row 2j+1 = base - h e_j.
inline Field central_difference_batch(const Field& base, index_t V, double h) {
  const auto b = to_host(base);
  Field shifted("central_difference_batch", 2 * V, V);
  auto sh = Kokkos::create_mirror_view(shifted);
  for (index_t j = 0; j < V; ++j)
    for (int s = 0; s < 2; ++s)
      for (index_t x = 0; x < V; ++x) sh(2 * j + s, x) = b(0, x) + (x == j ? (s ? -h : h) : 0.0);
  Kokkos::deep_copy(shifted, sh);
  return shifted;
}

// log|det A| of a dense n x n matrix (row-major) by LU with partial pivoting.
inline double log_abs_det(std::vector<double> a, int n) {
  double logdet = 0;
  for (int c = 0; c < n; ++c) {
    int p = c;
    for (int r = c + 1; r < n; ++r)
      if (std::abs(a[r * n + c]) > std::abs(a[p * n + c])) p = r;
    if (p != c)
      for (int k = 0; k < n; ++k) std::swap(a[c * n + k], a[p * n + k]);
    const double piv = a[c * n + c];
    logdet += std::log(std::abs(piv));
    for (int r = c + 1; r < n; ++r) {
      const double f = a[r * n + c] / piv;
      for (int k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
    }
  }
  return logdet;
}

// max |central difference - hand-written gradient| over every parameter,
// relative to the largest gradient component (at least 1).
inline double parameter_gradient_error(FlowTrainer& trainer, Flow& flow) {
  trainer.loss_and_gradient(0, true);
  const auto grads = Kokkos::create_mirror_view_and_copy(HostSpace(), flow.parameters().grads());
  auto params = Kokkos::create_mirror_view_and_copy(HostSpace(), flow.parameters().values());
  const index_t P = flow.parameters().size();
  const double h = 1e-6;
  double worst = 0, scale = 1;
  for (index_t i = 0; i < P; ++i) scale = std::max(scale, std::abs(grads(i)));
  for (index_t i = 0; i < P; ++i) {
    const double keep = params(i);
    double L[2];
    for (int s = 0; s < 2; ++s) {
      params(i) = keep + (s ? -h : h);
      Kokkos::deep_copy(flow.parameters().values(), params);
      L[s] = trainer.loss_and_gradient(0, false);
    }
    params(i) = keep;
    const double fd = (L[0] - L[1]) / (2 * h);
    worst = std::max(worst, std::abs(fd - grads(i)));
  }
  Kokkos::deep_copy(flow.parameters().values(), params);
  std::printf("  %lld parameters, max |fd - analytic| / scale = %.2e (scale %.3g)\n",
              (long long)P, worst / scale, scale);
  return worst / scale;
}

}  // namespace flowlat::testing_support
