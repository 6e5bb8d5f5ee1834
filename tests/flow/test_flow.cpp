// Flow: invertibility, log q from both directions, log|det J| against the
// brute-force Jacobian, translation and Z2 equivariance, and the hand-written
// reverse- and forward-KL gradients against central finite differences.
#include <gtest/gtest.h>

#include "flow_test_support.hpp"
#include "flowlat/flow/forward_kl_trainer.hpp"
#include "flowlat/flow/reverse_kl_trainer.hpp"
#include "flowlat/theory/phi4/phi4.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

double max_abs_diff(const FieldHost& a, const FieldHost& b, index_t n, index_t V) {
  double m = 0;
  for (index_t i = 0; i < n; ++i)
    for (index_t x = 0; x < V; ++x) m = std::max(m, std::abs(a(i, x) - b(i, x)));
  return m;
}

struct Case {
  std::vector<int> shape;
  Equivariance eq;
};

}  // namespace

class FlowCases : public ::testing::TestWithParam<Case> {};

TEST_P(FlowCases, InverseUndoesForwardAndLogQAgrees) {
  const Geometry g(GetParam().shape);
  Flow flow(Phi4(g, -4.0, 8.0), tiny_architecture(GetParam().eq), 5);
  flow.initialize(3);
  const index_t n = 5, V = g.volume();
  const Field z = random_field(n, V, 21);
  Field phi("phi", n, V), z_back("z_back", n, V);
  BatchScalar lq_fwd("lq_fwd", n), lq_inv("lq_inv", n);
  flow.forward(z, n, phi, lq_fwd);
  flow.inverse(phi, n, z_back, lq_inv);
  EXPECT_LT(max_abs_diff(to_host(z), to_host(z_back), n, V), 1e-10);
  const auto a = to_host(lq_fwd), b = to_host(lq_inv);
  for (index_t i = 0; i < n; ++i) EXPECT_NEAR(a[i], b[i], 1e-10 * std::abs(a[i]));
  // the flow is not the identity
  EXPECT_GT(max_abs_diff(to_host(z), to_host(phi), n, V), 1e-3);
}

TEST_P(FlowCases, LogDetMatchesBruteForceJacobian) {
  const Geometry g(GetParam().shape);
  const index_t V = g.volume();
  if (V > 32) GTEST_SKIP() << "dense Jacobian only on small lattices";
  Flow flow(Phi4(g, -4.0, 8.0), tiny_architecture(GetParam().eq), 2 * V);
  flow.initialize(11);
  const Field z = random_field(1, V, 5);
  Field phi("phi", 1, V);
  BatchScalar lq("lq", 1), lr("lr", 1);
  flow.forward(z, 1, phi, lq);
  flow.prior().log_density(z, 1, lr);
  const double logdet = to_host(lr)[0] - to_host(lq)[0];
  // Jacobian column j by central differences: batch of 2V shifted inputs
  const double h = 1e-5;
  Field out("out", 2 * V, V);
  BatchScalar lq2("lq2", 2 * V);
  flow.forward(central_difference_batch(z, V, h), 2 * V, out, lq2);
  const auto oh = to_host(out);
  std::vector<double> J(V * V);
  for (index_t i = 0; i < V; ++i)
    for (index_t j = 0; j < V; ++j) J[i * V + j] = (oh(2 * j, i) - oh(2 * j + 1, i)) / (2 * h);
  const double brute = log_abs_det(J, int(V));
  std::printf("  log|det J|: flow %.10f, brute force %.10f\n", logdet, brute);
  EXPECT_NEAR(logdet, brute, 1e-6 * std::max(1.0, std::abs(brute)));
}

TEST_P(FlowCases, EvenTranslationsCommute) {
  const Geometry g(GetParam().shape);
  const index_t V = g.volume(), n = 2;
  Flow flow(Phi4(g, -4.0, 8.0), tiny_architecture(GetParam().eq), n);
  flow.initialize(8);
  const Field z = random_field(n, V, 9);
  Field phi("phi", n, V), zs("zs", n, V), phis("phis", n, V);
  BatchScalar lq("lq", n), lqs("lqs", n);
  flow.forward(z, n, phi, lq);
  // shift by a vector with even coordinate sum: preserves the checkerboard
  std::array<int, kMaxDim> shift{1, 1, 0, 0};
  if (g.dim() == 1) shift = {2, 0, 0, 0};
  auto zh = to_host(z);
  auto zsh = to_host(z);
  for (index_t i = 0; i < n; ++i)
    for (index_t x = 0; x < V; ++x) {
      auto c = g.coords(x);
      for (int mu = 0; mu < g.dim(); ++mu) c[mu] += shift[mu];
      zsh(i, g.site(c)) = zh(i, x);
    }
  Kokkos::deep_copy(zs, zsh);
  flow.forward(zs, n, phis, lqs);
  const auto ph = to_host(phi), psh = to_host(phis);
  double worst = 0;
  for (index_t i = 0; i < n; ++i)
    for (index_t x = 0; x < V; ++x) {
      auto c = g.coords(x);
      for (int mu = 0; mu < g.dim(); ++mu) c[mu] += shift[mu];
      worst = std::max(worst, std::abs(psh(i, g.site(c)) - ph(i, x)));
    }
  EXPECT_LT(worst, 1e-12);
  for (index_t i = 0; i < n; ++i) EXPECT_NEAR(to_host(lq)[i], to_host(lqs)[i], 1e-10);
}


TEST_P(FlowCases, ReverseKlGradientMatchesFiniteDifferences) {
  const Geometry g(GetParam().shape);
  const Phi4 theory(g, -4.0, 8.0);
  Flow flow(Phi4(g, -4.0, 8.0), tiny_architecture(GetParam().eq), 3);
  flow.initialize(5);
  ReverseKlTrainer trainer(MpiContext(MPI_COMM_SELF), flow, theory, 3, AdamOptions{}, 77);
  EXPECT_LT(parameter_gradient_error(trainer, flow), 1e-6);
}

// Forward KL: the gradient flows through the inverse pass phi -> z.
TEST_P(FlowCases, ForwardKlGradientMatchesFiniteDifferences) {
  const Geometry g(GetParam().shape);
  const Phi4 theory(g, -4.0, 8.0);
  Flow flow(Phi4(g, -4.0, 8.0), tiny_architecture(GetParam().eq), 3);
  flow.initialize(5);
  const Field data = random_field(5, g.volume(), 31, 1.5);
  ForwardKlTrainer trainer(MpiContext(MPI_COMM_SELF), flow, theory, data, 3, AdamOptions{}, 77);
  EXPECT_LT(parameter_gradient_error(trainer, flow), 1e-6);
}

// inverse_backward also leaves d(log q)/dphi: checked against central differences in phi.
TEST_P(FlowCases, InverseBackwardGivesTheFieldGradientOfLogQ) {
  const Geometry g(GetParam().shape);
  const index_t V = g.volume();
  Flow flow(Phi4(g, -4.0, 8.0), tiny_architecture(GetParam().eq), 2 * V);
  flow.initialize(4);
  const Field phi = random_field(1, V, 12, 1.2);
  Field z("z", 2 * V, V), grad("grad", 2 * V, V);
  BatchScalar lq("lq", 2 * V), ones("ones", 2 * V);
  Kokkos::deep_copy(ones, 1.0);
  flow.inverse(phi, 1, z, lq);
  flow.parameters().zero_grads();
  flow.inverse_backward(ones, 1, grad);
  const auto analytic = to_host(grad);
  const double h = 1e-6;
  flow.inverse(central_difference_batch(phi, V, h), 2 * V, z, lq);
  const auto l = to_host(lq);
  double worst = 0, scale = 1;
  for (index_t j = 0; j < V; ++j) scale = std::max(scale, std::abs(analytic(0, j)));
  for (index_t j = 0; j < V; ++j)
    worst = std::max(worst, std::abs((l[2 * j] - l[2 * j + 1]) / (2 * h) - analytic(0, j)));
  std::printf("  max |fd - analytic| / scale = %.2e (scale %.3g)\n", worst / scale, scale);
  EXPECT_LT(worst / scale, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Shapes, FlowCases,
                         ::testing::Values(Case{{4, 4}, Equivariance::None},
                                           Case{{4, 4}, Equivariance::Z2},
                                           Case{{2, 2, 4}, Equivariance::None},
                                           Case{{6, 4}, Equivariance::Z2}));

TEST(Flow, Z2VariantIsOdd) {
  const Geometry g({4, 6});
  Flow flow(Phi4(g, -4.0, 8.0), tiny_architecture(Equivariance::Z2), 2);
  flow.initialize(4);
  const index_t n = 2, V = g.volume();
  const Field z = random_field(n, V, 12);
  auto zh = to_host(z);
  for (index_t i = 0; i < n; ++i)
    for (index_t x = 0; x < V; ++x) zh(i, x) = -zh(i, x);
  Field mz("mz", n, V), phi("phi", n, V), mphi("mphi", n, V);
  Kokkos::deep_copy(mz, zh);
  BatchScalar lq("lq", n), mlq("mlq", n);
  flow.forward(z, n, phi, lq);
  flow.forward(mz, n, mphi, mlq);
  const auto a = to_host(phi), b = to_host(mphi);
  for (index_t i = 0; i < n; ++i)
    for (index_t x = 0; x < V; ++x) EXPECT_NEAR(a(i, x), -b(i, x), 1e-13);
  for (index_t i = 0; i < n; ++i) EXPECT_NEAR(to_host(lq)[i], to_host(mlq)[i], 1e-12);
}

TEST(Flow, InitializationIsReproducible) {
  const Geometry g({4, 4});
  Flow a(Phi4(g, -4.0, 8.0), tiny_architecture(), 1), b(Phi4(g, -4.0, 8.0), tiny_architecture(), 1), c(Phi4(g, -4.0, 8.0), tiny_architecture(), 1);
  a.initialize(1);
  b.initialize(1);
  c.initialize(2);
  const auto pa = Kokkos::create_mirror_view_and_copy(HostSpace(), a.parameters().values());
  const auto pb = Kokkos::create_mirror_view_and_copy(HostSpace(), b.parameters().values());
  const auto pc = Kokkos::create_mirror_view_and_copy(HostSpace(), c.parameters().values());
  int differ = 0;
  for (index_t i = 0; i < index_t(pa.extent(0)); ++i) {
    EXPECT_EQ(pa(i), pb(i));
    differ += pa(i) != pc(i);
  }
  EXPECT_GT(differ, int(pa.extent(0)) * 9 / 10);
}

// Transfer to a larger lattice: every layer is a periodic convolution, so the
// same parameters on an 8x8 lattice map a 2x2 tiling of a 4x4 configuration
// to the tiling of the 4x4 result, with log q four times as large.
TEST(Flow, TransferredParametersActOnTilingsExactly) {
  for (const Equivariance eq : {Equivariance::None, Equivariance::Z2}) {
    const Geometry small({4, 4}), large({8, 8});
    Flow flow_small(Phi4(small, -4.0, 8.0), tiny_architecture(eq), 2), flow_large(Phi4(large, -4.0, 8.0), tiny_architecture(eq), 2);
    flow_small.initialize(13);
    ASSERT_EQ(flow_small.parameters().size(), flow_large.parameters().size());
    Kokkos::deep_copy(flow_large.parameters().values(), flow_small.parameters().values());
    const index_t n = 2;
    const Field z_small = random_field(n, small.volume(), 19);
    const auto zs = to_host(z_small);
    Field z_large("z_large", n, large.volume());
    auto zl = Kokkos::create_mirror_view(z_large);
    auto tile = [&](index_t x) {  // site of the 8x8 lattice -> site of the 4x4 one
      auto c = large.coords(x);
      for (int mu = 0; mu < 2; ++mu) c[mu] %= 4;
      return small.site(c);
    };
    for (index_t b = 0; b < n; ++b)
      for (index_t x = 0; x < large.volume(); ++x) zl(b, x) = zs(b, tile(x));
    Kokkos::deep_copy(z_large, zl);
    Field phi_small("phi_small", n, small.volume()), phi_large("phi_large", n, large.volume());
    BatchScalar lq_small("lq_small", n), lq_large("lq_large", n);
    flow_small.forward(z_small, n, phi_small, lq_small);
    flow_large.forward(z_large, n, phi_large, lq_large);
    const auto ps = to_host(phi_small), pl = to_host(phi_large);
    double worst = 0;
    for (index_t b = 0; b < n; ++b)
      for (index_t x = 0; x < large.volume(); ++x)
        worst = std::max(worst, std::abs(pl(b, x) - ps(b, tile(x))));
    EXPECT_LT(worst, 1e-12);
    for (index_t b = 0; b < n; ++b)
      EXPECT_NEAR(to_host(lq_large)[b], 4 * to_host(lq_small)[b], 1e-10 * std::abs(to_host(lq_large)[b]));
  }
}
