// The flow's kernels on every instruction-set path this CPU runs
// (simd_dispatch): StencilConv's forward, input and weight gradients, and a
// small flow's outputs, log q and parameter gradients agree with the baseline
// path to rounding, and each path repeats itself bit for bit.
//
// Tolerance: the AVX2 and AVX-512 paths use FMA (one rounding per
// multiply-add instead of two) and wider packs, which group the weight
// gradients' partial sums differently. Each result then differs from the
// baseline by a few units in the last place of the sums it came from: about
// 1e-16 to 1e-15 relative to the largest value here (measured: see
// kTolerance). A wrong kernel (a lane or a term lost, a wrong weight) is off
// by 1e-3 or more.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "flow_test_support.hpp"
#include "flowlat/core/simd_dispatch.hpp"
#include "flowlat/theory/phi4/phi4.hpp"
#include "flowlat/flow/stencil_conv.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

// max |a - b| <= tolerance * max |b|: float64 (largest measured ratio:
// 6e-16) and float32 networks (flow.precision; largest measured: 2.5e-7).
constexpr double kTolerance = 1e-13;
constexpr double kTolerance32 = 1e-5;

template <class View>
std::vector<double> values(const View& v) {
  const auto h = Kokkos::create_mirror_view_and_copy(HostSpace(), v);
  return std::vector<double>(h.data(), h.data() + h.span());
}

double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

Tensor random_tensor(index_t n, int c, index_t V, unsigned seed) {
  Tensor t("test.tensor", n, c, V);
  auto h = Kokkos::create_mirror_view(t);
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal;
  for (std::size_t i = 0; i < h.span(); ++i) h.data()[i] = normal(gen);
  Kokkos::deep_copy(t, h);
  return t;
}

// Runs `f` on every path this CPU runs (the path in use restored after).
// Returns its results, baseline first.
template <class F>
std::vector<std::vector<std::vector<double>>> on_every_path(const F& f) {
  const SimdPath saved = simd_path();
  std::vector<std::vector<std::vector<double>>> results;
  for (const SimdPath p : simd_paths_runnable()) {
    use_simd_path(p);
    results.push_back(f());
  }
  use_simd_path(saved);
  return results;
}

void expect_paths_agree(const std::vector<std::vector<std::vector<double>>>& results,
                        const std::vector<std::string>& names, const std::string& what,
                        double tolerance = kTolerance) {
  const std::vector<SimdPath> paths = simd_paths_runnable();
  for (std::size_t p = 1; p < results.size(); ++p)
    for (std::size_t k = 0; k < names.size(); ++k) {
      const double d = relative_difference(results[p][k], results[0][k]);
      EXPECT_LE(d, tolerance) << what << ": " << names[k] << ", " << simd_path_name(paths[p])
                               << " vs " << simd_path_name(paths[0]);
      char text[32];
      std::snprintf(text, sizeof text, "%.2e", d);
      ::testing::Test::RecordProperty(what + "." + names[k] + "." + simd_path_name(paths[p]), text);
    }
}

struct ConvCase {
  std::vector<int> shape;
  int c_in, c_out, kernel;
  Activation act;
};

// Shapes whose rows are not a multiple of any pack width (short last slots),
// channel counts giving every channel block (8, 4, 2, 1), d = 1..3.
const ConvCase kConvCases[] = {
    {{8, 8}, 8, 8, 3, Activation::LeakyReLU}, {{5, 7}, 3, 2, 3, Activation::Tanh},
    {{6, 10}, 1, 4, 3, Activation::LeakyReLU}, {{12}, 2, 16, 5, Activation::Tanh},
    {{3, 4, 5}, 4, 3, 3, Activation::Identity}, {{9, 11}, 16, 1, 5, Activation::LeakyReLU},
};

// t in T (float or double).
template <class T>
TensorOf<T> converted(const Tensor& t) {
  TensorOf<T> r("test.converted", t.extent(0), t.extent(1), t.extent(2));
  const auto h = Kokkos::create_mirror_view_and_copy(HostSpace(), t);
  auto hr = Kokkos::create_mirror_view(r);
  for (std::size_t i = 0; i < h.span(); ++i) hr.data()[i] = T(h.data()[i]);
  Kokkos::deep_copy(r, hr);
  return r;
}

// forward (with the activation), weight and input gradients of one StencilConv, in T.
template <class T>
std::vector<std::vector<double>> conv_results(const ConvCase& c) {
  const Geometry g(c.shape);
  ParameterStore store;
  const StencilConv conv(g, c.c_in, c.c_out, c.kernel, store, "conv");
  store.allocate();
  conv.initialize(store.values(), 5, 0);
  const index_t n = 3, V = g.volume();
  const TensorOf<T> in = converted<T>(random_tensor(n, c.c_in, V, 1)),
                    d_out = converted<T>(random_tensor(n, c.c_out, V, 2));
  TensorOf<T> out("out", n, c.c_out, V), d_in("d_in", n, c.c_in, V);
  conv.forward_activated(store.values(), in, n, c.act, out);
  // `in` taken as the output of activation c.act: the input gradient's slope path
  conv.backward(store.values(), in, d_out, n, d_in, store.grads(), c.act);
  return {values(out), values(store.grads()), values(d_in)};
}

// forward: phi and log q; backward of L = sum(phi * R) + sum(log q); inverse: z and log q.
std::vector<std::vector<double>> flow_results(const std::vector<int>& shape,
                                              NetPrecision precision = NetPrecision::Float64) {
  const Geometry g(shape);
  FlowArchitecture a = tiny_architecture(Equivariance::Z2, 4);
  a.coupling.hidden = {8, 8};
  a.coupling.precision = precision;
  const index_t n = 16, V = g.volume();
  Flow flow(Phi4(g, -4.0, 8.0), a, n);
  flow.initialize(7);
  const Field z = random_field(n, V, 3), R = random_field(n, V, 4);
  Field phi("phi", n, V), z_back("z_back", n, V), grad_phi("grad_phi", n, V);
  BatchScalar log_q("log_q", n), log_q_inverse("log_q_inverse", n), grad_log_q("grad_log_q", n);
  flow.forward(z, n, phi, log_q);
  Kokkos::deep_copy(grad_phi, R);
  Kokkos::deep_copy(grad_log_q, 1.0);
  flow.parameters().zero_grads();
  flow.backward(grad_phi, grad_log_q, n);
  const std::vector<double> grads = values(flow.parameters().grads());
  flow.inverse(phi, n, z_back, log_q_inverse);
  return {values(phi), values(log_q), grads, values(z_back), values(log_q_inverse)};
}

}  // namespace

TEST(SimdPaths, StencilConvAgreesWithTheBaseline) {
  for (const ConvCase& c : kConvCases) {
    std::string what = "conv";
    for (int L : c.shape) what += "_" + std::to_string(L);
    what += "_c" + std::to_string(c.c_in) + "to" + std::to_string(c.c_out);
    expect_paths_agree(on_every_path([&] { return conv_results<double>(c); }),
                       {"forward", "weight_grad", "input_grad"}, what);
    expect_paths_agree(on_every_path([&] { return conv_results<float>(c); }),
                       {"forward", "weight_grad", "input_grad"}, what + "_float32",
                       kTolerance32);
  }
}

TEST(SimdPaths, FlowAgreesWithTheBaseline) {
  for (const std::vector<int>& shape : {std::vector<int>{8, 8}, std::vector<int>{6, 10}}) {
    const std::string what = "flow_" + std::to_string(shape[0]) + "x" + std::to_string(shape[1]);
    expect_paths_agree(on_every_path([&] { return flow_results(shape); }),
                       {"phi", "log_q", "param_grads", "inverse_z", "inverse_log_q"}, what);
    expect_paths_agree(
        on_every_path([&] { return flow_results(shape, NetPrecision::Float32); }),
        {"phi", "log_q", "param_grads", "inverse_z", "inverse_log_q"}, what + "_float32",
        kTolerance32);
  }
}

TEST(SimdPaths, EveryPathRepeatsItselfBitForBit) {
  const auto first = on_every_path([] { return flow_results({8, 8}); });
  const auto second = on_every_path([] { return flow_results({8, 8}); });
  const auto first32 = on_every_path([] { return flow_results({8, 8}, NetPrecision::Float32); });
  const auto second32 = on_every_path([] { return flow_results({8, 8}, NetPrecision::Float32); });
  for (std::size_t p = 0; p < first32.size(); ++p)
    for (std::size_t k = 0; k < first32[p].size(); ++k)
      EXPECT_TRUE(bitwise_equal(first32[p][k], second32[p][k])) << "float32 " << p << " " << k;
  ASSERT_EQ(first.size(), second.size());
  const std::vector<SimdPath> paths = simd_paths_runnable();
  for (std::size_t p = 0; p < first.size(); ++p)
    for (std::size_t k = 0; k < first[p].size(); ++k)
      EXPECT_TRUE(bitwise_equal(first[p][k], second[p][k])) << simd_path_name(paths[p]) << " " << k;
}

// With FMA the results must differ somewhere from the baseline's: otherwise
// the "other" path did not run (the comparisons above would be vacuous).
TEST(SimdPaths, OtherPathsReallyRun) {
  const auto results = on_every_path([] { return flow_results({8, 8}); });
  if (results.size() < 2) GTEST_SKIP() << "this CPU runs only " << simd_path_name(SimdPath::Baseline);
  for (std::size_t p = 1; p < results.size(); ++p)
    EXPECT_FALSE(bitwise_equal(results[p][2], results[0][2])) << "path " << p;
}
