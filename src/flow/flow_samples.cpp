// w = -S - log q after a forward or inverse pass.
#include "flowlat/flow/flow_samples.hpp"

#include <algorithm>

namespace flowlat {

namespace {
// log_w holds S on entry
void combine_log_weights(index_t n, const BatchScalar& log_q, const BatchScalar& log_w) {
  Kokkos::parallel_for(
      "flow.log_w", Kokkos::RangePolicy<ExecSpace>(0, n),
      KOKKOS_LAMBDA(index_t b) { log_w(b) = -log_w(b) - log_q(b); });
}
}  // namespace

void flow_proposals(Flow& flow, const Theory& theory, const Field& z, index_t n, const Field& phi,
                    const BatchScalar& log_q, const BatchScalar& log_w) {
  // Through the flow in chunks of about kChunkValues values: a layer's
  // activations for a whole block of proposals outgrow the caches (on 8x8
  // phi^4, 256 configurations ran at 0.85x the rate of 64). Each proposal's
  // arithmetic is the same either way, so are its values.
  constexpr index_t kChunkValues = 4096;
  const index_t chunk = std::max(index_t(1), kChunkValues / flow.dof());
  for (index_t b0 = 0; b0 < n; b0 += chunk) {
    const auto rows = std::make_pair(b0, std::min(n, b0 + chunk));
    flow.forward(Kokkos::subview(z, rows, Kokkos::ALL), rows.second - b0,
                 Kokkos::subview(phi, rows, Kokkos::ALL), Kokkos::subview(log_q, rows));
  }
  theory.action(phi, n, log_w);
  combine_log_weights(n, log_q, log_w);
}

void flow_log_weights(Flow& flow, const Theory& theory, const Field& phi, index_t n,
                      const Field& z, const BatchScalar& log_q, const BatchScalar& log_w) {
  flow.inverse(phi, n, z, log_q);
  theory.action(phi, n, log_w);
  combine_log_weights(n, log_q, log_w);
}

}  // namespace flowlat
