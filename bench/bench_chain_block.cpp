// The serial part of `flowlat sample`: deciding a block of the independence
// chain from its log-weights (every rank does it for every proposal), per
// chain element. One term of the cost model in docs/PERFORMANCE.md.
#include <benchmark/benchmark.h>

#include <random>

#include "flowlat/mcmc/chain_block.hpp"

using namespace flowlat;

static void BM_DecideBlock(benchmark::State& state) {
  const std::int64_t block = state.range(0), save_every = state.range(1);
  std::mt19937 engine(1);
  std::normal_distribution<double> normal(0.0, 1.0);  // acceptance ~0.6, as the tutorial model
  std::vector<double> log_w(static_cast<std::size_t>(block));
  for (auto& w : log_w) w = normal(engine);
  IndependenceChain chain(1);
  std::int64_t first = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(decide_block(chain, first, first, first + block, log_w, 0, save_every));
    first += block;
  }
  state.SetItemsProcessed(state.iterations() * block);  // chain elements
}
BENCHMARK(BM_DecideBlock)->Args({256, 1})->Args({256, 10})->Unit(benchmark::kMicrosecond);
