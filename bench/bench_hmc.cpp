// HMC cost: one trajectory (Omelyan, 10 steps, 21 force evaluations) for a
// batch of chains of phi^4 on L x L; items = site-trajectories.
#include <benchmark/benchmark.h>

#include "flowlat/core/philox.hpp"
#include "flowlat/mcmc/hmc.hpp"
#include "flowlat/theory/phi4/phi4.hpp"

using namespace flowlat;

static void BM_HmcTrajectory(benchmark::State& state) {
  const int L = int(state.range(0));
  const index_t chains = state.range(1);
  const Geometry g({L, L});
  const Phi4 theory(g, -4.0, 8.0);
  Field phi("phi", chains, g.volume());
  Kokkos::deep_copy(phi, 0.5);
  Hmc hmc(theory, MdIntegrator(IntegratorKind::Omelyan, 10, 1.0), 1, 0, chains);
  std::vector<BatchScalar> reals{BatchScalar("dH", chains)};
  std::vector<BatchFlags> flags{BatchFlags("acc", chains)};
  std::uint32_t t = 0;
  for (auto _ : state) {
    hmc.update(phi, chains, t++, reals, flags);
    Kokkos::fence();
  }
  state.SetItemsProcessed(state.iterations() * chains * g.volume());
  state.counters["ns_per_site_traj"] = benchmark::Counter(
      double(chains * g.volume()), benchmark::Counter::kIsIterationInvariantRate |
                                       benchmark::Counter::kInvert);
  state.counters["force_evals"] = hmc.integrator().force_evaluations();
}
BENCHMARK(BM_HmcTrajectory)
    ->Args({8, 64})
    ->Args({16, 16})
    ->Args({32, 4})
    ->Args({64, 1})
    ->Unit(benchmark::kMicrosecond);

static void BM_Phi4Force(benchmark::State& state) {
  const int L = int(state.range(0));
  const index_t chains = state.range(1);
  const Geometry g({L, L});
  const Phi4 theory(g, -4.0, 8.0);
  Field phi("phi", chains, g.volume()), dS("dS", chains, g.volume());
  Kokkos::deep_copy(phi, 0.5);
  for (auto _ : state) {
    theory.force(phi, chains, dS);
    Kokkos::fence();
  }
  state.SetItemsProcessed(state.iterations() * chains * g.volume());
}
BENCHMARK(BM_Phi4Force)->Args({8, 64})->Args({16, 16})->Args({32, 4})->Args({64, 1});
