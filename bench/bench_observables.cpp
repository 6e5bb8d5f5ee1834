// Observable cost per configuration: scalar reductions plus the batched FFT
// two-point function, C(t), E and G~(p1) on L x L.
#include <benchmark/benchmark.h>

#include "flowlat/observables/scalar_field_observables.hpp"
#include "flowlat/theory/phi4/phi4.hpp"

using namespace flowlat;

static void BM_Observables(benchmark::State& state) {
  const int L = int(state.range(0));
  const index_t batch = state.range(1);
  const Geometry g({L, L});
  const Phi4 theory(g, -4.0, 8.0);
  Field phi("phi", batch, g.volume());
  Kokkos::parallel_for(
      "fill", Kokkos::RangePolicy<ExecSpace>(0, batch * g.volume()), KOKKOS_LAMBDA(index_t i) {
        phi(i / phi.extent(1), i % phi.extent(1)) = 0.001 * double(i % 97) - 0.04;
      });
  BatchScalar S("S", batch);
  theory.action(phi, batch, S);
  ScalarFieldObservables obs(g, batch);
  Measurement m;
  for (auto _ : state) {
    obs.measure(phi, batch, S, m);
    benchmark::DoNotOptimize(m.scalars.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);  // configurations
}
BENCHMARK(BM_Observables)
    ->Args({8, 64})
    ->Args({16, 16})
    ->Args({32, 4})
    ->Args({64, 1})
    ->Unit(benchmark::kMicrosecond);
