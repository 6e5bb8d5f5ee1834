// w = -S - log q after a forward or inverse pass.
#include "flowlat/flow/flow_samples.hpp"

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
  flow.forward(z, n, phi, log_q);
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
