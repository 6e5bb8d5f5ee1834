// Flow cost at the tutorial configuration (L = 8, 16 layers, hidden 8,8,
// kernel 3, batch 64) and a larger one (L = 16, hidden 16,16, batch 256):
// forward, forward + backward, and a full reverse-KL training step; the
// networks in float32 (the flow.precision default) and float64 (last argument).
#include <benchmark/benchmark.h>

#include "flowlat/flow/reverse_kl_trainer.hpp"
#include "flowlat/theory/phi4/phi4.hpp"

using namespace flowlat;

namespace {
struct Setup {
  int L, hidden;
  index_t batch;
  NetPrecision precision;
};
Setup setup_of(const benchmark::State& s) {
  return {int(s.range(0)), int(s.range(1)), index_t(s.range(2)),
          s.range(3) == 32 ? NetPrecision::Float32 : NetPrecision::Float64};
}
FlowArchitecture architecture(int hidden, NetPrecision precision) {
  FlowArchitecture a;
  a.n_layers = 16;
  a.coupling.hidden = {hidden, hidden};
  a.coupling.precision = precision;
  return a;
}
}  // namespace

static void BM_FlowForward(benchmark::State& state) {
  const auto [L, hidden, batch, precision] = setup_of(state);
  const Geometry g({L, L});
  Flow flow(Phi4(g, -4.0, 8.0), architecture(hidden, precision), batch);
  flow.initialize(1);
  Field z("z", batch, g.volume()), phi("phi", batch, g.volume());
  Kokkos::deep_copy(z, 0.3);
  BatchScalar lq("lq", batch);
  for (auto _ : state) {
    flow.forward(z, batch, phi, lq);
    Kokkos::fence();
  }
  state.SetItemsProcessed(state.iterations() * batch);  // proposals
  state.counters["GFLOP/s"] = benchmark::Counter(flow.flops_forward(batch) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

static void BM_FlowForwardBackward(benchmark::State& state) {
  const auto [L, hidden, batch, precision] = setup_of(state);
  const Geometry g({L, L});
  Flow flow(Phi4(g, -4.0, 8.0), architecture(hidden, precision), batch);
  flow.initialize(1);
  Field z("z", batch, g.volume()), phi("phi", batch, g.volume()), gphi("g", batch, g.volume());
  Kokkos::deep_copy(z, 0.3);
  BatchScalar lq("lq", batch), glq("glq", batch);
  Kokkos::deep_copy(glq, 1.0 / batch);
  for (auto _ : state) {
    flow.forward(z, batch, phi, lq);
    Kokkos::deep_copy(gphi, 0.01);
    flow.backward(gphi, glq, batch);
    Kokkos::fence();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

static void BM_TrainStep(benchmark::State& state) {
  const auto [L, hidden, batch, precision] = setup_of(state);
  const Geometry g({L, L});
  const Phi4 theory(g, -4.0, 8.0);
  Flow flow(Phi4(g, -4.0, 8.0), architecture(hidden, precision), batch);
  flow.initialize(1);
  ReverseKlTrainer trainer(MpiContext(MPI_COMM_SELF), flow, theory, batch, AdamOptions{}, 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(trainer.step().loss);
    Kokkos::fence();
  }
  state.counters["steps/s"] =
      benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
}

#define FLOWLAT_FLOW_CASES                                                                     \
  ->ArgNames({"L", "hidden", "batch", "bits"})                                                \
      ->Args({8, 8, 64, 32})                                                                  \
      ->Args({8, 8, 64, 64})                                                                  \
      ->Args({16, 16, 256, 32})                                                               \
      ->Args({16, 16, 256, 64})                                                               \
      ->Unit(benchmark::kMillisecond)
BENCHMARK(BM_FlowForward) FLOWLAT_FLOW_CASES;
BENCHMARK(BM_FlowForwardBackward) FLOWLAT_FLOW_CASES;
BENCHMARK(BM_TrainStep) FLOWLAT_FLOW_CASES;
