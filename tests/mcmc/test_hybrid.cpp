// Hybrid chains (HMC trajectory + flow independence-MH proposals): a chain's
// history depends only on (seed, global chain id), not on the batch or the
// rank count; and the chain is exact with an imperfect flow, at a free-field
// point where the flow does most of the moving.
#include <gtest/gtest.h>

#include <cmath>

#include "chain_samples.hpp"
#include "flow/flow_test_support.hpp"
#include "flowlat/core/mpi_context.hpp"
#include "flowlat/mcmc/hybrid_update.hpp"
#include "flowlat/theory/phi4/free_field.hpp"
#include "flowlat/theory/phi4/phi4.hpp"
#include "test_fields.hpp"
#include "under_trained_flow.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

// Chains first .. first+n-1 from `start` rows first.., `updates` hybrid updates.
FieldHost run_chains(const Theory& theory, Flow& flow, const Field& start, std::int64_t first,
                     index_t n, int updates) {
  Hmc hmc(theory, MdIntegrator(IntegratorKind::Omelyan, 4, 0.5), 21, first, n);
  HybridUpdate hybrid(theory, hmc, flow, 3, 21, first, n);
  Field phi("phi", n, theory.dof());
  Kokkos::deep_copy(phi, Kokkos::subview(start, std::make_pair(index_t(first), index_t(first + n)),
                                         Kokkos::ALL));
  const UpdateRecords records(hybrid, n);
  for (int t = 0; t < updates; ++t)
    hybrid.update(phi, n, std::uint32_t(t), records.reals, records.flags);
  return to_host(phi);
}

}  // namespace

TEST(Hybrid, ChainHistoryIndependentOfBatchAndRankCount) {
  const Geometry g({4, 4});
  const Phi4 theory(g, -1.0, 1.0);
  const index_t chains = 6;
  Flow flow(Phi4(g, -4.0, 8.0), tiny_architecture(Equivariance::None, 2), chains);
  flow.initialize(3);
  const Field start = random_field(chains, g.volume(), 9, 0.5);
  const FieldHost whole = run_chains(theory, flow, start, 0, chains, 12);
  // the same chains in two batches
  const FieldHost head = run_chains(theory, flow, start, 0, 2, 12);
  const FieldHost tail = run_chains(theory, flow, start, 2, chains - 2, 12);
  for (index_t x = 0; x < g.volume(); ++x) {
    EXPECT_EQ(whole(1, x), head(1, x));
    EXPECT_EQ(whole(4, x), tail(2, x));
  }
  // spread over the ranks of this run, gathered back
  const MpiContext world(MPI_COMM_WORLD);
  const ChainRange mine = world.split(chains);
  const FieldHost local = run_chains(theory, flow, start, mine.begin, mine.count, 12);
  std::vector<double> all(std::size_t(chains * g.volume()));
  std::vector<int> counts(world.size()), displs(world.size());
  for (int r = 0; r < world.size(); ++r) {
    const ChainRange c = MpiContext::split(chains, r, world.size());
    counts[r] = int(c.count * g.volume()), displs[r] = int(c.begin * g.volume());
  }
  MPI_Allgatherv(local.data(), int(mine.count * g.volume()), MPI_DOUBLE, all.data(), counts.data(),
                 displs.data(), MPI_DOUBLE, MPI_COMM_WORLD);
  for (index_t b = 0; b < chains; ++b)
    for (index_t x = 0; x < g.volume(); ++x)
      ASSERT_EQ(all[std::size_t(b * g.volume() + x)], whole(b, x)) << "chain " << b;
  // the chains did move, by both kinds of update
  const auto s = to_host(start);
  EXPECT_NE(whole(0, 0), s(0, 0));
}

// Exactness with a briefly trained flow and trajectories so short that HMC
// alone hardly moves: the flow's proposals carry the chain, and a wrong
// weight would bias the result.
TEST(Hybrid, ExactAtTheFreeFieldWithAnUnderTrainedFlow) {
  if (MpiContext(MPI_COMM_WORLD).size() > 1) GTEST_SKIP() << "one-rank statistics test";
  const Geometry g({4, 4});
  const double m2 = 1.0;
  const Phi4 theory(g, m2, 0.0);
  const index_t chains = 64;
  const auto flow = under_trained_flow(theory, chains);
  Hmc hmc(theory, MdIntegrator(IntegratorKind::Leapfrog, 1, 0.05), 8, 0, chains);
  HybridUpdate hybrid(theory, hmc, *flow, 4, 8, 0, chains);
  const auto s = sample_chains(theory, hybrid, chains, 50, 5000, 1, false);
  double moved = 0;
  for (const auto& chain : s.acceptance)  // first flag: the trajectory was accepted
    for (double a : chain) moved += a;
  auto check = [&](const std::string& name, double exact) {
    const auto r = s.gamma(name);
    std::printf("  %-6s %.8f +- %.8f (tau_int %.2f)  exact %.6f  (%+.2f sigma)\n", name.c_str(),
                r.mean, r.error, r.tau_int, exact, (r.mean - exact) / r.error);
    EXPECT_LT(std::abs(r.mean - exact), 4 * r.error) << name;
    EXPECT_LT(r.error, 0.01 * std::abs(exact)) << name << ": not enough statistics";
    return r;
  };
  check("phi2", free_field::propagator(g, m2, {0, 0, 0, 0}));
  check("chi2", free_field::susceptibility(m2));
  check("E", free_field::ising_energy(g, m2));
  // HMC of MD time 0.05 decorrelates chi2 in ~100s of updates; the flow's
  // proposals must be what makes tau_int small
  EXPECT_LT(s.gamma("chi2").tau_int, 10.0);
}
