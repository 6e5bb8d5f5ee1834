// Flow samples with their importance log-weights w = -S(phi) - log q(phi),
// the quantity every flow sampler decides with: through the flow (phi = f(z))
// for proposals, and through the inverse flow for a given configuration.
#pragma once
#include "flowlat/flow/flow.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat {

// phi = f(z), log q(phi) and w for configs 0..n-1.
void flow_proposals(Flow& flow, const Theory& theory, const Field& z, index_t n, const Field& phi,
                    const BatchScalar& log_q, const BatchScalar& log_w);

// w of given configurations phi (z and log_q: scratch, filled by the inverse flow).
void flow_log_weights(Flow& flow, const Theory& theory, const Field& phi, index_t n,
                      const Field& z, const BatchScalar& log_q, const BatchScalar& log_w);

}  // namespace flowlat
