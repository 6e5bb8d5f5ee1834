// Exactness of flow-MH at an interacting point, with a deliberately
// under-trained model: <|M|>/V, chi_2 and E agree with HMC within errors.
// (L = 4 at m^2 = -4, lambda = 8 keeps the under-trained acceptance usable in
// a unit-test budget; the mechanism is the same at L = 8.)
#include <gtest/gtest.h>

#include <cmath>

#include "chain_samples.hpp"
#include "flowlat/flow/reverse_kl_trainer.hpp"
#include "flowlat/mcmc/flow_metropolis.hpp"
#include "flowlat/mcmc/hmc.hpp"
#include "flowlat/theory/phi4.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

TEST(FlowMhVsHmc, AgreeAtInteractingPointWithUnderTrainedModel) {
  const Geometry g({4, 4});
  const Phi4 theory(g, -4.0, 8.0);
  const MpiContext self(MPI_COMM_SELF);

  FlowArchitecture arch;
  arch.n_layers = 4;
  arch.coupling.hidden = {4, 4};
  arch.coupling.equivariance = Equivariance::Z2;
  const index_t block = 512;
  Flow flow(g, arch, block);
  flow.initialize(1);
  {
    AdamOptions adam;
    adam.lr = 5e-3;
    ReverseKlTrainer trainer(self, flow, theory, 64, adam, 2);
    for (int t = 0; t < 400; ++t) trainer.step();
  }
  FlowProposer proposer(self, flow, theory, 3, block);
  IndependenceChain chain(3);
  ScalarFieldObservables obs(g, block);
  BatchScalar action("S", block);
  Measurement m;
  const auto names = ScalarFieldObservables::scalar_names();
  std::map<std::string, std::vector<double>> series;
  std::vector<double> w, current(names.size(), 0.0);
  // reweighting (NIS) estimate from the same proposals: sum e^w O / sum e^w
  std::map<std::string, double> rw_num;
  double rw_den = 0;
  long long accepted = 0, offered = 0;
  for (int k = 0; k < 300; ++k) {
    proposer.propose(std::int64_t(k) * block, w);
    theory.action(proposer.configurations(), block, action);
    obs.measure(proposer.configurations(), block, action, m);
    for (index_t i = 0; i < block; ++i) {
      const bool acc = chain.offer(std::int64_t(k) * block + i, w[i]);
      if (acc)
        for (std::size_t o = 0; o < names.size(); ++o) current[o] = m.scalars[o][i];
      accepted += acc;
      const double e = std::exp(w[i]);
      rw_den += e;
      for (std::size_t o = 0; o < names.size(); ++o) rw_num[names[o]] += e * m.scalars[o][i];
      ++offered;
      for (std::size_t o = 0; o < names.size(); ++o) series[names[o]].push_back(current[o]);
    }
  }
  const double acceptance = double(accepted) / offered;
  std::printf("  flow-MH acceptance %.3f over %lld proposals\n", acceptance, offered);
  EXPECT_LT(acceptance, 0.9);  // under-trained: far from a perfect model

  const index_t chains = 32;
  Hmc hmc(theory, MdIntegrator(IntegratorKind::Omelyan, 10, 1.0), 4, 0, chains, 0.2);
  const auto h = sample_chains(theory, hmc, chains, 200, 1500, 1, false);
  for (const char* name : {"absM", "chi2", "E"}) {
    const auto a = gamma_method({series[name]});
    const auto b = h.gamma(name);
    const double sigma = std::hypot(a.error, b.error);
    std::printf("  %-5s flow-MH %.5f +- %.5f (tau %.1f)   HMC %.5f +- %.5f   %+.2f sigma"
                "   (reweighted %.5f)\n", name, a.mean, a.error, a.tau_int, b.mean, b.error,
                (a.mean - b.mean) / sigma, rw_num[name] / rw_den);
    EXPECT_LT(std::abs(a.mean - b.mean), 4 * sigma) << name;
    EXPECT_LT(sigma, 0.03 * std::abs(b.mean)) << name << ": not enough statistics";
  }
}
