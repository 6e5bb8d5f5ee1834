// HMC cost: one trajectory (Omelyan, 10 steps, 21 force evaluations) for a
// batch of chains of phi^4 on L x L; items = site-trajectories.
#include <benchmark/benchmark.h>

#include "flowlat/core/philox.hpp"
#include "flowlat/mcmc/hmc.hpp"
#include "flowlat/theory/phi4/phi4.hpp"
#include "flowlat/theory/u1/u1.hpp"

using namespace flowlat;

namespace {
// The timed loop: one trajectory of every chain per iteration.
void time_trajectories(benchmark::State& state, Hmc& hmc, const Field& field, index_t chains) {
  std::vector<BatchScalar> reals{BatchScalar("dH", chains)};
  std::vector<BatchFlags> flags{BatchFlags("acc", chains)};
  std::uint32_t t = 0;
  for (auto _ : state) {
    hmc.update(field, chains, t++, reals, flags);
    Kokkos::fence();
  }
}
}  // namespace

static void BM_HmcTrajectory(benchmark::State& state) {
  const int L = int(state.range(0));
  const index_t chains = state.range(1);
  const Geometry g({L, L});
  const Phi4 theory(g, -4.0, 8.0);
  Field phi("phi", chains, g.volume());
  Kokkos::deep_copy(phi, 0.5);
  Hmc hmc(theory, MdIntegrator(IntegratorKind::Omelyan, 10, 1.0), 1, 0, chains);
  time_trajectories(state, hmc, phi, chains);
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
    ->Args({1024, 1})  // 8 MiB per field: out of cache, the memory-bandwidth case
    ->Unit(benchmark::kMicrosecond);

// Threads against work (docs/PERFORMANCE.md, "HMC with threads"): one
// trajectory of the default 4 chains on L x L, phi^4 and U(1) (beta = 2, hot
// start), Omelyan 10 steps of fixed length 1. Compare OMP_NUM_THREADS=1 with 2,
// and FLOWLAT_THREAD_MIN_WORK=0 (the whole pool at every size) with the default.
template <class Make>
static void hmc_chains(benchmark::State& state, const Make& make) {
  const int L = int(state.range(0));
  const index_t chains = state.range(1);
  const auto theory = make(Geometry({L, L}));
  Field field("field", chains, theory.dof());
  theory.hot_start(field, chains, 5, 0);
  Hmc hmc(theory, MdIntegrator(IntegratorKind::Omelyan, 10, 1.0), 1, 0, chains,
          LengthDistribution::Fixed);
  time_trajectories(state, hmc, field, chains);
  state.SetItemsProcessed(state.iterations() * chains * theory.dof());
  state.counters["elements"] = double(chains * theory.dof());
}
static void BM_HmcChainsPhi4(benchmark::State& state) {
  hmc_chains(state, [](const Geometry& g) { return Phi4(g, -4.0, 8.0); });
}
static void BM_HmcChainsU1(benchmark::State& state) {
  hmc_chains(state, [](const Geometry& g) { return U1(g, 2.0); });
}
#define FLOWLAT_HMC_CHAINS_CASES \
  ->Args({8, 4})->Args({16, 4})->Args({32, 4})->Args({64, 4})->Unit(benchmark::kMicrosecond)
BENCHMARK(BM_HmcChainsPhi4) FLOWLAT_HMC_CHAINS_CASES;
BENCHMARK(BM_HmcChainsU1) FLOWLAT_HMC_CHAINS_CASES;

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
