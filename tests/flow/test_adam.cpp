// Adam: two steps against the update rule written out by hand; clipping; cosine schedule.
#include <gtest/gtest.h>

#include <cmath>

#include "flowlat/flow/adam.hpp"

using namespace flowlat;

TEST(Adam, MatchesTheUpdateRule) {
  AdamOptions o;
  o.lr = 0.1;
  Adam adam(2, o);
  ParamVector p("p", 2), g("g", 2);
  auto ph = Kokkos::create_mirror_view(p);
  auto gh = Kokkos::create_mirror_view(g);
  ph(0) = 1.0;
  ph(1) = -2.0;
  Kokkos::deep_copy(p, ph);
  double ref[2] = {1.0, -2.0}, m[2] = {0, 0}, v[2] = {0, 0};
  const double grads[2][2] = {{0.5, -3.0}, {0.25, 1.0}};
  for (int t = 1; t <= 2; ++t) {
    gh(0) = grads[t - 1][0];
    gh(1) = grads[t - 1][1];
    Kokkos::deep_copy(g, gh);
    adam.step(p, g);
    for (int i = 0; i < 2; ++i) {
      m[i] = 0.9 * m[i] + 0.1 * grads[t - 1][i];
      v[i] = 0.999 * v[i] + 0.001 * grads[t - 1][i] * grads[t - 1][i];
      const double mh = m[i] / (1 - std::pow(0.9, t)), vh = v[i] / (1 - std::pow(0.999, t));
      ref[i] -= 0.1 * mh / (std::sqrt(vh) + 1e-8);
    }
    Kokkos::deep_copy(ph, p);
    EXPECT_NEAR(ph(0), ref[0], 1e-14);
    EXPECT_NEAR(ph(1), ref[1], 1e-14);
  }
}

TEST(Adam, ClipsTheGlobalNorm) {
  AdamOptions o;
  o.clip_norm = 1.0;
  Adam adam(2, o);
  ParamVector p("p", 2), g("g", 2);
  auto gh = Kokkos::create_mirror_view(g);
  gh(0) = 3.0;
  gh(1) = 4.0;
  Kokkos::deep_copy(g, gh);
  EXPECT_DOUBLE_EQ(adam.step(p, g), 5.0);
  Kokkos::deep_copy(gh, g);
  EXPECT_NEAR(gh(0), 0.6, 1e-15);
  EXPECT_NEAR(gh(1), 0.8, 1e-15);
}

TEST(Adam, CosineScheduleRunsFromLrToLrMin) {
  AdamOptions o;
  o.lr = 1e-2;
  o.lr_min = 1e-4;
  o.schedule = LrSchedule::Cosine;
  o.total_steps = 10;
  Adam adam(1, o);
  ParamVector p("p", 1), g("g", 1);
  EXPECT_DOUBLE_EQ(adam.learning_rate(), 1e-2);
  for (int t = 0; t < 5; ++t) adam.step(p, g);
  EXPECT_NEAR(adam.learning_rate(), 0.5 * (1e-2 + 1e-4), 1e-15);
  for (int t = 0; t < 5; ++t) adam.step(p, g);
  EXPECT_NEAR(adam.learning_rate(), 1e-4, 1e-15);
}
