// The gauge-equivariant U(1) flow: invertibility, log q from both
// directions, log|det J| against the brute-force Jacobian, gauge
// equivariance (every gauge-invariant quantity of f(g.U) equals that of
// f(U), log q is gauge invariant), and the hand-written reverse- and
// forward-KL gradients against central differences, for both circle maps
// (the maps themselves: tests/flow/test_circle_maps.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "flow/flow_test_support.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/flow/forward_kl_trainer.hpp"
#include "flowlat/flow/reverse_kl_trainer.hpp"
#include "flowlat/theory/u1/u1.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

const double two_pi = 2 * M_PI;

FlowArchitecture gauge_architecture(const std::string& coupling = "ncp", int layers = 8,
                                    int components = 2) {
  FlowArchitecture a;
  a.n_layers = layers;
  a.coupling_type = coupling;
  a.coupling.hidden = {4, 4};
  a.coupling.kernel = 3;
  a.coupling.components = components;
  a.coupling.final_activation = Activation::Identity;
  return a;
}

// The difference of two angles, in [-pi, pi).
double angle_diff(double a, double b) { return std::remainder(a - b, two_pi); }

double max_angle_diff(const FieldHost& a, const FieldHost& b, index_t n, index_t dof) {
  double m = 0;
  for (index_t i = 0; i < n; ++i)
    for (index_t l = 0; l < dof; ++l) m = std::max(m, std::abs(angle_diff(a(i, l), b(i, l))));
  return m;
}

double plaquette(const Geometry& g, const FieldHost& t, index_t b, index_t x) {
  const index_t V = g.volume();
  return t(b, x) + t(b, V + g.shifted(x, 0, 1)) - t(b, g.shifted(x, 1, 1)) - t(b, V + x);
}

// Scales every parameter: PyTorch's initialisation leaves the maps close to
// the identity, where a wrong Jacobian or gradient could hide.
void amplify(Flow& flow, double factor) {
  auto p = Kokkos::create_mirror_view_and_copy(HostSpace(), flow.parameters().values());
  for (index_t i = 0; i < index_t(p.extent(0)); ++i) p(i) *= factor;
  Kokkos::deep_copy(flow.parameters().values(), p);
}

}  // namespace

class U1FlowMaps : public ::testing::TestWithParam<std::string> {};

TEST_P(U1FlowMaps, InverseUndoesForwardAndLogQAgrees) {
  const Geometry g({4, 8});
  const U1 theory(g, 2.0);
  const index_t n = 5, dof = theory.dof();
  Flow flow(theory, gauge_architecture(GetParam()), n);
  flow.initialize(3);
  amplify(flow, 2.0);
  const Field z = uniform_links(n, dof, 21);
  Field u("u", n, dof), z_back("z_back", n, dof);
  BatchScalar lq_fwd("lq_fwd", n), lq_inv("lq_inv", n);
  flow.forward(z, n, u, lq_fwd);
  flow.inverse(u, n, z_back, lq_inv);
  EXPECT_LT(max_angle_diff(to_host(z), to_host(z_back), n, dof), 1e-10);
  const auto a = to_host(lq_fwd), b = to_host(lq_inv);
  for (index_t i = 0; i < n; ++i) EXPECT_NEAR(a[i], b[i], 1e-10 * std::abs(a[i]));
  EXPECT_GT(max_angle_diff(to_host(z), to_host(u), n, dof), 1e-2);  // not the identity
  const auto uh = to_host(u);
  for (index_t i = 0; i < n; ++i)
    for (index_t l = 0; l < dof; ++l) {
      EXPECT_GE(uh(i, l), 0.0);
      EXPECT_LT(uh(i, l), two_pi);
    }
}

TEST_P(U1FlowMaps, LogDetMatchesBruteForceJacobian) {
  const Geometry g({4, 4});
  const U1 theory(g, 2.0);
  const index_t dof = theory.dof();
  Flow flow(theory, gauge_architecture(GetParam()), 2 * dof);
  flow.initialize(11);
  amplify(flow, 2.0);
  const Field z = uniform_links(1, dof, 5);
  Field u("u", 1, dof);
  BatchScalar lq("lq", 1), lr("lr", 1);
  flow.forward(z, 1, u, lq);
  flow.prior().log_density(z, 1, lr);
  const double logdet = to_host(lr)[0] - to_host(lq)[0];
  const double h = 1e-5;
  Field out("out", 2 * dof, dof);
  BatchScalar lq2("lq2", 2 * dof);
  flow.forward(central_difference_batch(z, dof, h), 2 * dof, out, lq2);
  const auto oh = to_host(out);
  std::vector<double> J(dof * dof);
  for (index_t i = 0; i < dof; ++i)
    for (index_t j = 0; j < dof; ++j)
      J[i * dof + j] = angle_diff(oh(2 * j, i), oh(2 * j + 1, i)) / (2 * h);
  const double brute = log_abs_det(J, int(dof));
  std::printf("  log|det J|: flow %.10f, brute force %.10f\n", logdet, brute);
  EXPECT_GT(std::abs(logdet), 0.3);  // the layers do change volumes
  EXPECT_NEAR(logdet, brute, 1e-6 * std::max(1.0, std::abs(brute)));
}

TEST_P(U1FlowMaps, GaugeEquivariant) {
  const Geometry g({8, 4});
  const U1 theory(g, 2.0);
  const index_t n = 3, dof = theory.dof(), V = g.volume();
  Flow flow(theory, gauge_architecture(GetParam()), n);
  flow.initialize(8);
  amplify(flow, 2.0);
  const Field z = uniform_links(n, dof, 9);
  Field u("u", n, dof), zg("zg", n, dof), ug("ug", n, dof);
  BatchScalar lq("lq", n), lqg("lqg", n);
  flow.forward(z, n, u, lq);
  Kokkos::deep_copy(zg, z);
  theory.gauge_transform(zg, n, random_field(n, V, 10, 3.0));
  flow.forward(zg, n, ug, lqg);
  const auto uh = to_host(u), ugh = to_host(ug);
  double worst = 0;
  for (index_t b = 0; b < n; ++b)
    for (index_t x = 0; x < V; ++x)
      worst = std::max(worst, std::abs(angle_diff(plaquette(g, uh, b, x), plaquette(g, ugh, b, x))));
  EXPECT_LT(worst, 1e-10);  // every plaquette (and so every loop) agrees
  EXPECT_GT(max_angle_diff(uh, ugh, n, dof), 1e-2);  // the links themselves differ by the gauge
  for (index_t b = 0; b < n; ++b) EXPECT_NEAR(to_host(lq)[b], to_host(lqg)[b], 1e-10);
}

TEST(U1Flow, MasksNeedMultiplesOfFour) {
  for (const auto& shape : {std::vector<int>{6, 8}, std::vector<int>{8, 10}}) {
    const U1 theory(Geometry(shape), 1.0);
    try {
      Flow flow(theory, gauge_architecture(), 1);
      ADD_FAILURE() << "no error";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("lattice.shape:", 0), 0u) << e.what();
    }
  }
  const U1 three(Geometry({4, 4, 4}), 1.0);
  EXPECT_THROW(Flow(three, gauge_architecture(), 1), InputError);
  FlowArchitecture affine = gauge_architecture();
  affine.coupling_type = "affine";
  EXPECT_THROW(Flow(U1(Geometry({4, 4}), 1.0), affine, 1), InputError);
}

// Untempered, and tempered (train.temper_steps: the loss and its gradient
// are those of s S) at s = 0.3.
TEST_P(U1FlowMaps, ReverseKlGradientMatchesFiniteDifferences) {
  const Geometry g({4, 4});
  const U1 theory(g, 2.0);
  for (const TemperSchedule schedule : {TemperSchedule{}, TemperSchedule{10, 0.3}}) {
    Flow flow(theory, gauge_architecture(GetParam()), 3);
    flow.initialize(5);
    amplify(flow, 3.0);
    ReverseKlTrainer trainer(MpiContext(MPI_COMM_SELF), flow, theory, 3, AdamOptions{}, 77);
    trainer.set_temper_schedule(schedule);
    ASSERT_EQ(trainer.action_scale(), schedule.steps > 0 ? 0.3 : 1.0);
    EXPECT_LT(parameter_gradient_error(trainer, flow), 1e-6) << "s = " << trainer.action_scale();
  }
}

// s S_beta = S_{s beta} for the Wilson action: tempered at s = 1/2 from
// beta = 3, the step is the untempered one at beta = 3/2 (powers of two:
// bit for bit), and the schedule reaches s = 1 at its last step.
TEST(U1Flow, TemperedActionIsTheActionAtScaledBeta) {
  const Geometry g({4, 4});
  const U1 hot(g, 1.5), cold(g, 3.0);
  auto loss_and_grads = [&](const U1& theory, const TemperSchedule& schedule) {
    Flow flow(theory, gauge_architecture(), 4);
    flow.initialize(9);
    amplify(flow, 2.0);
    ReverseKlTrainer trainer(MpiContext(MPI_COMM_SELF), flow, theory, 4, AdamOptions{}, 21);
    trainer.set_temper_schedule(schedule);
    const double loss = trainer.loss_and_gradient(0, true);
    auto grads = Kokkos::create_mirror_view_and_copy(HostSpace(), flow.parameters().grads());
    return std::make_pair(loss, grads);
  };
  const auto [loss_hot, grads_hot] = loss_and_grads(hot, TemperSchedule{});
  const auto [loss_tempered, grads_tempered] = loss_and_grads(cold, TemperSchedule{8, 0.5});
  EXPECT_EQ(loss_hot, loss_tempered);
  ASSERT_EQ(grads_hot.extent(0), grads_tempered.extent(0));
  for (index_t i = 0; i < index_t(grads_hot.extent(0)); ++i)
    ASSERT_EQ(grads_hot(i), grads_tempered(i)) << "parameter " << i;
  const auto [loss_cold, grads_cold] = loss_and_grads(cold, TemperSchedule{});
  EXPECT_NE(loss_cold, loss_hot);

  const TemperSchedule schedule{8, 0.2};
  EXPECT_EQ(schedule.scale(0), 0.2);
  EXPECT_DOUBLE_EQ(schedule.scale(4), 0.6);
  EXPECT_LT(schedule.scale(7), 1.0);
  EXPECT_EQ(schedule.scale(8), 1.0);
  EXPECT_EQ(schedule.scale(100), 1.0);
  EXPECT_EQ(TemperSchedule{}.scale(0), 1.0);
}

TEST_P(U1FlowMaps, ForwardKlGradientMatchesFiniteDifferences) {
  const Geometry g({4, 4});
  const U1 theory(g, 2.0);
  Flow flow(theory, gauge_architecture(GetParam()), 3);
  flow.initialize(5);
  amplify(flow, 3.0);
  const Field data = uniform_links(5, theory.dof(), 31);
  ForwardKlTrainer trainer(MpiContext(MPI_COMM_SELF), flow, theory, data, 3, AdamOptions{}, 77);
  EXPECT_LT(parameter_gradient_error(trainer, flow), 1e-6);
}

// inverse_backward also leaves d(log q)/d(links): against central differences.
TEST_P(U1FlowMaps, InverseBackwardGivesTheLinkGradientOfLogQ) {
  const Geometry g({4, 4});
  const U1 theory(g, 2.0);
  const index_t dof = theory.dof();
  Flow flow(theory, gauge_architecture(GetParam()), 2 * dof);
  flow.initialize(4);
  amplify(flow, 2.0);
  const Field u = uniform_links(1, dof, 12);
  Field z("z", 2 * dof, dof), grad("grad", 2 * dof, dof);
  BatchScalar lq("lq", 2 * dof), ones("ones", 2 * dof);
  Kokkos::deep_copy(ones, 1.0);
  flow.inverse(u, 1, z, lq);
  flow.parameters().zero_grads();
  flow.inverse_backward(ones, 1, grad);
  const auto analytic = to_host(grad);
  const double h = 1e-6;
  flow.inverse(central_difference_batch(u, dof, h), 2 * dof, z, lq);
  const auto l = to_host(lq);
  double worst = 0, largest = 0;
  for (index_t j = 0; j < dof; ++j) largest = std::max(largest, std::abs(analytic(0, j)));
  const double scale = std::max(1.0, largest);
  for (index_t j = 0; j < dof; ++j)
    worst = std::max(worst, std::abs((l[2 * j] - l[2 * j + 1]) / (2 * h) - analytic(0, j)));
  std::printf("  max |fd - analytic| / scale = %.2e (largest %.3g)\n", worst / scale, largest);
  EXPECT_GT(largest, 0.1);  // log q does depend on the links
  EXPECT_LT(worst / scale, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(CircleMaps, U1FlowMaps, ::testing::Values("ncp", "spline"));
