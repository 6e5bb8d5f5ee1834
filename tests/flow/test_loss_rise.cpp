// loss_rise: a training whose loss climbed back is flagged; a converged one,
// a noisy flat one, one spike, or a lower loss of excluded (tempered) steps
// is not.
#include <gtest/gtest.h>

#include <random>

#include "flowlat/flow/loss_rise.hpp"

using namespace flowlat;

namespace {
// Steps 1..losses.size() with the given losses.
TrainingHistory history_of(const std::vector<double>& losses) {
  TrainingHistory h;
  for (std::size_t i = 0; i < losses.size(); ++i) {
    TrainStepResult r;
    r.step = (long long)(i + 1);
    r.loss = losses[i];
    h.append(r, 0.0);
  }
  return h;
}

// mean(t) + unit-normal noise of width sd, fixed seed
std::vector<double> noisy(std::size_t n, double sd, double (*mean)(std::size_t)) {
  std::mt19937_64 gen(42);
  std::normal_distribution<double> z;
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = mean(i) + sd * z(gen);
  return v;
}
}  // namespace

TEST(LossRise, ADivergingTrainingIsFlagged) {
  // down to -527 by step 500, then climbing to -262 (the kernel-5 run at beta = 7)
  const auto losses = noisy(1500, 8.0, [](std::size_t i) {
    return i < 500 ? -400.0 - 127.0 * double(i) / 500 : -527.0 + 265.0 * double(i - 500) / 1000;
  });
  const LossRise r = loss_rise(history_of(losses), 100, 0);
  EXPECT_TRUE(r.rose);
  EXPECT_NEAR(r.best, -520, 10);
  EXPECT_GT(r.last, -300);
  EXPECT_GE(r.best_first, 401);
  EXPECT_LE(r.best_last, 600);
}

TEST(LossRise, ConvergedNoisyOrSpikyTrainingIsNot) {
  const auto decreasing = noisy(2000, 8.0, [](std::size_t i) { return -500.0 - 50.0 * double(i) / 2000; });
  EXPECT_FALSE(loss_rise(history_of(decreasing), 100, 0).rose);
  const auto flat = noisy(5000, 8.0, [](std::size_t) { return -550.0; });  // 49 earlier windows
  EXPECT_FALSE(loss_rise(history_of(flat), 100, 0).rose);
  auto spike = flat;
  spike.back() += 2000;  // one batch with a huge loss: the window's error grows with it
  EXPECT_FALSE(loss_rise(history_of(spike), 100, 0).rose);
  // significant but tiny (0.05 nats): not worth a warning
  const auto tiny = noisy(1000, 0.001, [](std::size_t i) { return i < 900 ? 0.0 : 0.05; });
  EXPECT_FALSE(loss_rise(history_of(tiny), 100, 0).rose);
  // too short to compare two windows
  EXPECT_FALSE(loss_rise(history_of({1, 2, 3}), 100, 0).rose);
}

TEST(LossRise, StepsBeforeFromStepAreNotCompared) {
  // tempered steps 1..1000 trained on s S (loss ~ -300), then S (loss ~ -550)
  // for the rest; against the tempered windows the final loss looks no rise,
  // but a rise after the tempering is found
  auto losses = noisy(3000, 5.0, [](std::size_t i) {
    return i < 1000 ? -300.0 : i < 2000 ? -550.0 : -500.0;
  });
  EXPECT_TRUE(loss_rise(history_of(losses), 100, 1000).rose);
  for (std::size_t i = 0; i < 1000; ++i) losses[i] -= 1000;  // tempered losses far below
  const LossRise r = loss_rise(history_of(losses), 100, 1000);
  EXPECT_TRUE(r.rose);
  EXPECT_GT(r.best_first, 1000);
}
