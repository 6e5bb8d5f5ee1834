// The under-trained flow of the exactness tests: 2 plain couplings, 100
// reverse-KL steps (lr 1e-2, batch 32) from seed 4, so that its proposals are
// far from the target (acceptance well below 1) and a wrong weight would bias
// the chains that use it.
#pragma once
#include <memory>

#include "flow/flow_test_support.hpp"
#include "flowlat/core/mpi_context.hpp"
#include "flowlat/flow/reverse_kl_trainer.hpp"

namespace flowlat::testing_support {

// `precision`: that of its networks, in training and sampling.
inline std::unique_ptr<Flow> under_trained_flow(const Theory& theory, index_t capacity,
                                                NetPrecision precision = NetPrecision::Float64) {
  FlowArchitecture architecture = tiny_architecture(Equivariance::None, 2);
  architecture.coupling.precision = precision;
  auto flow = std::make_unique<Flow>(theory, architecture, capacity);
  flow->initialize(4);
  AdamOptions adam;
  adam.lr = 1e-2;
  ReverseKlTrainer trainer(MpiContext(MPI_COMM_SELF), *flow, theory, 32, adam, 6);
  for (int t = 0; t < 100; ++t) trainer.step();
  return flow;
}

}  // namespace flowlat::testing_support
