// Compact 2D U(1) costs (1 rank): the gauge-equivariant flow at the tutorial's
// architecture (arXiv:2101.08176: 16 NCP couplings, 2 components, hidden 8,8,
// kernel 3; batch 64) on L = 8 and 16: forward (proposals), forward +
// backward, inverse, a full reverse-KL training step; an HMC trajectory
// (Omelyan, 10 steps) per chain; a heat-bath sweep (+ over-relaxation) per
// chain. The PyTorch side of the same model: bench/torch_u1_reference.py.
#include <benchmark/benchmark.h>

#include "flowlat/flow/reverse_kl_trainer.hpp"
#include "flowlat/mcmc/hmc.hpp"
#include "flowlat/theory/u1/u1.hpp"
#include "flowlat/theory/u1/u1_heat_bath.hpp"

using namespace flowlat;

namespace {
// The networks in float32 (flow.precision's default) or float64: the
// benchmark's third argument (32 or 64).
FlowArchitecture tutorial_architecture(const benchmark::State& state) {
  FlowArchitecture a;
  a.coupling.precision = state.range(2) == 32 ? NetPrecision::Float32 : NetPrecision::Float64;
  a.n_layers = 16;
  a.coupling_type = "ncp";
  a.coupling.hidden = {8, 8};
  a.coupling.kernel = 3;
  a.coupling.components = 2;
  return a;
}
constexpr double kBeta = 2.0;

// Counter: microseconds per (configuration or chain) per iteration.
benchmark::Counter us_per(double items) {
  return benchmark::Counter(items * 1e-6, benchmark::Counter::kIsIterationInvariantRate |
                                              benchmark::Counter::kInvert);
}
// A flow case of the arguments (L, batch, bits), initialised.
struct U1FlowCase {
  index_t batch;
  U1 theory;
  Flow flow;

  explicit U1FlowCase(const benchmark::State& state)
      : batch(state.range(1)),
        theory(Geometry({int(state.range(0)), int(state.range(0))}), kBeta),
        flow(theory, tutorial_architecture(state), batch) {
    flow.initialize(1);
  }
  Field field(const std::string& name) const { return Field(name, batch, theory.dof()); }
};
}  // namespace

static void BM_U1FlowForward(benchmark::State& state) {
  U1FlowCase c(state);
  auto& [batch, theory, flow] = c;
  const Field z = c.field("z"), theta = c.field("theta");
  theory.hot_start(z, batch, 3, 0);
  BatchScalar lq("lq", batch);
  for (auto _ : state) {
    flow.forward(z, batch, theta, lq);
    Kokkos::fence();
  }
  state.SetItemsProcessed(state.iterations() * batch);  // configurations
  state.counters["GFLOP/s"] = benchmark::Counter(flow.flops_forward(batch) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

static void BM_U1FlowForwardBackward(benchmark::State& state) {
  U1FlowCase c(state);
  auto& [batch, theory, flow] = c;
  const Field z = c.field("z"), theta = c.field("theta"), g = c.field("g");
  theory.hot_start(z, batch, 3, 0);
  BatchScalar lq("lq", batch), glq("glq", batch);
  Kokkos::deep_copy(glq, 1.0 / batch);
  for (auto _ : state) {
    flow.forward(z, batch, theta, lq);
    Kokkos::deep_copy(g, 0.01);
    flow.backward(g, glq, batch);
    Kokkos::fence();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

// The inverse (Newton inside a bisection bracket per active plaquette): what
// hybrid chains and forward-KL training pay per configuration.
static void BM_U1FlowInverse(benchmark::State& state) {
  U1FlowCase c(state);
  auto& [batch, theory, flow] = c;
  const Field z = c.field("z"), theta = c.field("theta");
  theory.hot_start(theta, batch, 3, 0);
  BatchScalar lq("lq", batch);
  for (auto _ : state) {
    flow.inverse(theta, batch, z, lq);
    Kokkos::fence();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

// One `flowlat train` step: prior draws, forward, action, loss, backward,
// Adam (the defaults: lr 5e-3 cosine, clip 5) and the batch's figures.
static void BM_U1TrainStep(benchmark::State& state) {
  U1FlowCase c(state);
  auto& [batch, theory, flow] = c;
  AdamOptions adam;
  adam.lr = 5e-3;
  adam.clip_norm = 5;
  adam.schedule = LrSchedule::Cosine;
  adam.total_steps = 1000000;
  ReverseKlTrainer trainer(MpiContext(MPI_COMM_SELF), flow, theory, batch, adam, 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(trainer.step().loss);
    Kokkos::fence();
  }
  state.counters["steps/s"] =
      benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
}

#define FLOWLAT_U1_FLOW_CASES                                                        \
  ->ArgNames({"L", "batch", "bits"})                                                \
      ->Args({8, 64, 32})                                                           \
      ->Args({8, 64, 64})                                                           \
      ->Args({16, 64, 32})                                                          \
      ->Args({16, 64, 64})                                                          \
      ->Unit(benchmark::kMillisecond)
BENCHMARK(BM_U1FlowForward) FLOWLAT_U1_FLOW_CASES;
BENCHMARK(BM_U1FlowForwardBackward) FLOWLAT_U1_FLOW_CASES;
BENCHMARK(BM_U1FlowInverse) FLOWLAT_U1_FLOW_CASES;
BENCHMARK(BM_U1TrainStep) FLOWLAT_U1_FLOW_CASES;

// One HMC trajectory (Omelyan, 10 steps, trajectory length uniform on (0, 2])
// for a batch of chains from a thermalized-looking (hot) start; counter:
// microseconds per chain-trajectory.
static void BM_U1HmcTrajectory(benchmark::State& state) {
  const int L = int(state.range(0));
  const index_t chains = state.range(1);
  const U1 theory(Geometry({L, L}), kBeta);
  Field theta("theta", chains, theory.dof());
  theory.hot_start(theta, chains, 5, 0);
  Hmc hmc(theory, MdIntegrator(IntegratorKind::Omelyan, 10, 1.0), 1, 0, chains);
  std::vector<BatchScalar> reals;
  for (std::size_t i = 0; i < hmc.record_reals().size(); ++i)
    reals.emplace_back("r", chains);
  std::vector<BatchFlags> flags;
  for (std::size_t i = 0; i < hmc.record_flags().size(); ++i)
    flags.emplace_back("f", chains);
  std::uint32_t t = 0;
  for (auto _ : state) {
    hmc.update(theta, chains, t++, reals, flags);
    Kokkos::fence();
  }
  state.SetItemsProcessed(state.iterations() * chains);
  state.counters["us_per_chain_traj"] = us_per(double(chains));
}
BENCHMARK(BM_U1HmcTrajectory)
    ->Args({8, 1})
    ->Args({8, 64})
    ->Args({16, 1})
    ->Args({16, 16})
    ->Unit(benchmark::kMicrosecond);

// One heat-bath sweep over all links followed by `overrelaxation` sweeps
// (flowlat metropolis on U(1); the default metropolis.overrelaxation = 2);
// counter: microseconds per chain-sweep.
static void BM_U1HeatBathSweep(benchmark::State& state) {
  const int L = int(state.range(0));
  const index_t chains = state.range(1);
  const int overrelaxation = int(state.range(2));
  const U1 theory(Geometry({L, L}), kBeta);
  Field theta("theta", chains, theory.dof());
  theory.hot_start(theta, chains, 5, 0);
  U1HeatBath hb(theory, overrelaxation, 1, 0, chains);
  std::vector<BatchScalar> reals{BatchScalar("trials", chains)};
  std::vector<BatchFlags> flags;
  std::uint32_t t = 0;
  for (auto _ : state) {
    hb.update(theta, chains, t++, reals, flags);
    Kokkos::fence();
  }
  state.SetItemsProcessed(state.iterations() * chains);
  state.counters["us_per_chain_sweep"] = us_per(double(chains));
}
BENCHMARK(BM_U1HeatBathSweep)
    ->Args({8, 64, 2})
    ->Args({8, 64, 0})
    ->Args({16, 16, 2})
    ->Unit(benchmark::kMicrosecond);
