// Exactness of flow-MH at the interacting point m^2 = -4, lambda = 8:
// <|M|>/V, chi_2 and E agree with HMC within errors, for the tutorial's model
// after the tutorial's training and for deliberately under-trained models.
//  - L = 8, the tutorial architecture and budget (reverse KL, 2500 steps);
//  - L = 4, reverse KL (mode-seeking), 400 steps;
//  - L = 8, forward KL on an independent HMC ensemble, 500 steps: the model
//    is poor, the chain is still exact.
// The reweighting (NIS) estimate from the same proposals is printed beside it.
#include <gtest/gtest.h>

#include <cmath>

#include "chain_samples.hpp"
#include "flow_mh_samples.hpp"
#include "flowlat/flow/forward_kl_trainer.hpp"
#include "flowlat/flow/reverse_kl_trainer.hpp"
#include "flowlat/mcmc/hmc.hpp"
#include "flowlat/theory/phi4.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

// Runs one flow-MH chain of n_blocks * block proposals and compares it with
// an HMC run of `chains` x `trajectories`.
void compare_flow_mh_with_hmc(const Theory& theory, Flow& flow, index_t block, int n_blocks,
                              index_t chains, int trajectories) {
  const FlowMhSamples f = flow_mh_samples(theory, flow, block, n_blocks, 3);
  std::printf("  flow-MH acceptance %.3f over %lld proposals\n", f.acceptance(), f.offered);
  EXPECT_LT(f.acceptance(), 0.9);  // under-trained: far from a perfect model

  Hmc hmc(theory, MdIntegrator(IntegratorKind::Omelyan, 10, 1.0), 4, 0, chains);
  const auto h = sample_chains(theory, hmc, chains, 200, trajectories, 1, false);
  const double V = double(theory.geometry().volume());
  for (const char* name : {"absM", "chi2", "E"}) {
    const auto a = gamma_method({f.series.at(name)});
    const auto b = h.gamma(name);
    const double sigma = std::hypot(a.error, b.error);
    const double per = std::string(name) == "absM" ? 1 / V : 1.0;  // |M|/V
    std::printf("  %-5s flow-MH %.5f +- %.5f (tau %.1f)   HMC %.5f +- %.5f   %+.2f sigma"
                "   (reweighted %.5f)\n", name, a.mean * per, a.error * per, a.tau_int,
                b.mean * per, b.error * per, (a.mean - b.mean) / sigma,
                f.reweighted.at(name) * per);
    EXPECT_LT(std::abs(a.mean - b.mean), 4 * sigma) << name;
    EXPECT_LT(sigma, 0.03 * std::abs(b.mean)) << name << ": not enough statistics";
  }
}

FlowArchitecture z2_architecture(int layers, std::vector<int> hidden) {
  FlowArchitecture arch;
  arch.n_layers = layers;
  arch.coupling.hidden = std::move(hidden);
  arch.coupling.equivariance = Equivariance::Z2;
  return arch;
}

}  // namespace

TEST(FlowMhVsHmc, ReverseKlModelOn4x4) {
  const Geometry g({4, 4});
  const Phi4 theory(g, -4.0, 8.0);
  const index_t block = 512;
  Flow flow(g, z2_architecture(4, {4, 4}), block);
  flow.initialize(1);
  AdamOptions adam;
  adam.lr = 5e-3;
  ReverseKlTrainer trainer(MpiContext(MPI_COMM_SELF), flow, theory, 64, adam, 2);
  for (int t = 0; t < 400; ++t) trainer.step();
  compare_flow_mh_with_hmc(theory, flow, block, 300, 32, 1500);
}

TEST(FlowMhVsHmc, ForwardKlModelOn8x8) {
  const Geometry g({8, 8});
  const Phi4 theory(g, -4.0, 8.0);
  // training data: snapshots of 32 HMC chains (seed 11, independent of the
  // reference run below), every 2nd trajectory after thermalization
  const index_t data_chains = 32;
  const int snapshots = 200;
  Field data("data", data_chains * snapshots, theory.dof());
  {
    Hmc hmc(theory, MdIntegrator(IntegratorKind::Omelyan, 10, 1.0), 11, 0, data_chains);
    Field phi("phi", data_chains, theory.dof());
    const std::vector<BatchScalar> reals{BatchScalar("dH", data_chains)};
    const std::vector<BatchFlags> flags{BatchFlags("accept", data_chains)};
    std::uint32_t t = 0;
    for (; t < 200; ++t) hmc.update(phi, data_chains, t, reals, flags);
    for (int s = 0; s < snapshots; ++s) {
      for (int k = 0; k < 2; ++k, ++t) hmc.update(phi, data_chains, t, reals, flags);
      const auto rows = std::make_pair(index_t(s) * data_chains, index_t(s + 1) * data_chains);
      Kokkos::deep_copy(Kokkos::subview(data, rows, Kokkos::ALL), phi);
    }
  }
  const index_t block = 256;
  Flow flow(g, z2_architecture(8, {8, 8}), block);
  flow.initialize(1);
  AdamOptions adam;
  adam.lr = 3e-3;
  ForwardKlTrainer trainer(MpiContext(MPI_COMM_SELF), flow, theory, data, 64, adam, 2);
  for (int t = 0; t < 500; ++t) trainer.step();
  compare_flow_mh_with_hmc(theory, flow, block, 800, 32, 1500);
}

TEST(FlowMhVsHmc, TutorialModelOn8x8) {
  const Geometry g({8, 8});
  const Phi4 theory(g, -4.0, 8.0);
  const index_t block = 256;
  Flow flow(g, FlowArchitecture{}, block);  // 16 couplings, hidden 8,8, kernel 3
  flow.initialize(1);
  ReverseKlTrainer trainer(MpiContext(MPI_COMM_SELF), flow, theory, 64, AdamOptions{}, 2);
  for (int t = 0; t < 2500; ++t) trainer.step();
  compare_flow_mh_with_hmc(theory, flow, block, 800, 32, 1500);
}
