// The network layers of the flow engine: StencilConv against a direct host
// loop with PyTorch's circular-padding semantics, every hand-written gradient
// (convolution, activations, the {1,8,8,2} ConvNet) against central finite
// differences, translation equivariance, and reproducible initialisation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "flowlat/core/error.hpp"
#include "flowlat/flow/conv_net.hpp"
#include "test_fields.hpp"

using namespace flowlat;

namespace {

using TensorHost = Tensor::HostMirror;
using ParamHost = ParamVector::HostMirror;

Tensor random_tensor(index_t n, int c, index_t V, unsigned seed, double scale = 1.0) {
  Tensor t("test.tensor", n, c, V);
  auto h = Kokkos::create_mirror_view(t);
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal(0.0, scale);
  for (index_t b = 0; b < n; ++b)
    for (int ch = 0; ch < c; ++ch)
      for (index_t x = 0; x < V; ++x) h(b, ch, x) = normal(gen);
  Kokkos::deep_copy(t, h);
  return t;
}

TensorHost host_copy(const Tensor& t) {
  auto h = Kokkos::create_mirror(t);
  Kokkos::deep_copy(h, t);
  return h;
}

ParamHost host_copy(const ParamVector& p) {
  auto h = Kokkos::create_mirror(p);
  Kokkos::deep_copy(h, p);
  return h;
}

// Parameters uniform in (-scale, scale): larger than PyTorch's init so the
// nonlinearities are exercised.
void randomize(const ParamVector& p, unsigned seed, double scale) {
  auto h = Kokkos::create_mirror_view(p);
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> uni(-scale, scale);
  for (std::size_t i = 0; i < h.extent(0); ++i) h(i) = uni(gen);
  Kokkos::deep_copy(p, h);
}

// L = sum over configs 0..n-1, channels and sites of out * R.
double contract(const Tensor& out, const TensorHost& R, index_t n) {
  const auto h = host_copy(out);
  double L = 0;
  for (index_t b = 0; b < n; ++b)
    for (std::size_t c = 0; c < h.extent(1); ++c)
      for (std::size_t x = 0; x < h.extent(2); ++x) L += h(b, c, x) * R(b, c, x);
  return L;
}

// Central differences of loss() in every entry of a device View, one entry at
// a time through a host copy. Returns the entries in the View's flat order.
template <class DeviceView, class Loss>
std::vector<double> finite_differences(const DeviceView& v, double h, const Loss& loss) {
  auto host = Kokkos::create_mirror(v);
  Kokkos::deep_copy(host, v);
  real_t* data = host.data();
  std::vector<double> fd(host.span());
  for (std::size_t i = 0; i < host.span(); ++i) {
    const double saved = data[i];
    data[i] = saved + h;
    Kokkos::deep_copy(v, host);
    const double plus = loss();
    data[i] = saved - h;
    Kokkos::deep_copy(v, host);
    const double minus = loss();
    data[i] = saved;
    fd[i] = (plus - minus) / (2 * h);
  }
  Kokkos::deep_copy(v, host);
  return fd;
}

// max |fd - analytic| / max(1, max |analytic|)
double relative_error(const std::vector<double>& fd, const double* analytic) {
  double diff = 0, scale = 1;
  for (std::size_t i = 0; i < fd.size(); ++i) {
    diff = std::max(diff, std::abs(fd[i] - analytic[i]));
    scale = std::max(scale, std::abs(analytic[i]));
  }
  return diff / scale;
}

// PyTorch Conv{d}d(padding=k/2, padding_mode='circular') written out with
// coordinates: out[x] = b + sum w[co][ci][j_0..j_{d-1}] in[x + j - r].
TensorHost reference_conv(const Geometry& g, const StencilConv& conv, const ParamHost& p,
                          const TensorHost& in, index_t n) {
  const int d = g.dim(), k = conv.kernel(), r = k / 2, n_off = conv.stencil_size();
  TensorHost out("reference", n, conv.c_out(), g.volume());
  for (index_t b = 0; b < n; ++b)
    for (int co = 0; co < conv.c_out(); ++co)
      for (index_t x = 0; x < g.volume(); ++x) {
        double s = p(conv.bias_offset() + co);
        const auto c = g.coords(x);
        for (int ci = 0; ci < conv.c_in(); ++ci)
          for (int o = 0; o < n_off; ++o) {
            auto y = c;
            int rest = o;
            for (int mu = d - 1; mu >= 0; --mu) {
              y[mu] += rest % k - r;
              rest /= k;
            }
            s += p(conv.weight_offset() + (co * conv.c_in() + ci) * n_off + o) *
                 in(b, ci, g.site(y));
          }
        out(b, co, x) = s;
      }
  return out;
}

// The input shifted by lattice vector a: in'(x) = in(x - a).
Tensor shifted(const Geometry& g, const Tensor& t, const std::array<int, kMaxDim>& a) {
  const auto h = host_copy(t);
  auto s = Kokkos::create_mirror(t);
  for (std::size_t b = 0; b < h.extent(0); ++b)
    for (std::size_t c = 0; c < h.extent(1); ++c)
      for (index_t x = 0; x < g.volume(); ++x) {
        auto y = g.coords(x);
        for (int mu = 0; mu < g.dim(); ++mu) y[mu] -= a[mu];
        s(b, c, x) = h(b, c, g.site(y));
      }
  Tensor out("test.shifted", h.extent(0), h.extent(1), h.extent(2));
  Kokkos::deep_copy(out, s);
  return out;
}

struct ConvCase {
  std::vector<int> shape;
  int kernel;
};

std::string case_name(const ::testing::TestParamInfo<ConvCase>& info) {
  std::string s = "L";
  for (int L : info.param.shape) s += std::to_string(L) + "_";
  return s + "k" + std::to_string(info.param.kernel);
}

}  // namespace

// ---- StencilConv ------------------------------------------------------------

class StencilConvCases : public ::testing::TestWithParam<ConvCase> {};

TEST_P(StencilConvCases, ForwardMatchesDirectLoop) {
  const Geometry g(GetParam().shape);
  ParameterStore store;
  const StencilConv conv(g, 3, 2, GetParam().kernel, store, "conv");
  store.allocate();
  randomize(store.values(), 1, 1.0);
  const index_t n = 2, extra = 1, V = g.volume();
  const Tensor in = random_tensor(n + extra, 3, V, 2);
  Tensor out("out", n + extra, 2, V);
  Kokkos::deep_copy(out, 42.0);  // configs >= n must stay untouched
  conv.forward(store.values(), in, n, out);
  const auto ref = reference_conv(g, conv, host_copy(store.values()), host_copy(in), n);
  const auto got = host_copy(out);
  double worst = 0;
  for (index_t b = 0; b < n; ++b)
    for (int c = 0; c < 2; ++c)
      for (index_t x = 0; x < V; ++x)
        worst = std::max(worst, std::abs(got(b, c, x) - ref(b, c, x)));
  EXPECT_LT(worst, 1e-13);
  for (int c = 0; c < 2; ++c)
    for (index_t x = 0; x < V; ++x) EXPECT_EQ(got(n, c, x), 42.0);
}

TEST_P(StencilConvCases, BackwardMatchesFiniteDifferences) {
  const Geometry g(GetParam().shape);
  ParameterStore store;
  const StencilConv conv(g, 3, 2, GetParam().kernel, store, "conv");
  store.allocate();
  randomize(store.values(), 3, 1.0);
  const index_t n = 2, V = g.volume();
  const Tensor in = random_tensor(n, 3, V, 4);
  const auto R = host_copy(random_tensor(n, 2, V, 5));
  Tensor out("out", n, 2, V), d_in("d_in", n, 3, V);
  Tensor d_out("d_out", n, 2, V);
  Kokkos::deep_copy(d_out, R);
  conv.backward(store.values(), in, d_out, n, d_in, store.grads());

  auto loss = [&] {
    conv.forward(store.values(), in, n, out);
    return contract(out, R, n);
  };
  const auto fd_params = finite_differences(store.values(), 1e-5, loss);
  const auto fd_in = finite_differences(in, 1e-5, loss);
  EXPECT_LT(relative_error(fd_params, host_copy(store.grads()).data()), 1e-6);
  EXPECT_LT(relative_error(fd_in, host_copy(d_in).data()), 1e-6);
}

TEST_P(StencilConvCases, GradientsAccumulateAndEmptyInputGradientIsSkipped) {
  const Geometry g(GetParam().shape);
  ParameterStore store;
  const StencilConv conv(g, 2, 3, GetParam().kernel, store, "conv");
  store.allocate();
  randomize(store.values(), 6, 1.0);
  const index_t n = 3, V = g.volume();
  const Tensor in = random_tensor(n, 2, V, 7);
  const Tensor d_out = random_tensor(n, 3, V, 8);
  conv.backward(store.values(), in, d_out, n, Tensor(), store.grads());
  const auto once = host_copy(store.grads());
  conv.backward(store.values(), in, d_out, n, Tensor(), store.grads());
  const auto twice = host_copy(store.grads());
  for (index_t i = 0; i < store.size(); ++i) EXPECT_EQ(twice(i), 2 * once(i)) << i;
  store.zero_grads();
  const auto zero = host_copy(store.grads());
  for (index_t i = 0; i < store.size(); ++i) EXPECT_EQ(zero(i), 0.0);
}

// A batch large enough that the weight gradient is summed over several blocks
// (the last one partial) and sites over partial tiles: against the direct sum
// dL/dw[co][ci][o] = sum_{b,x} d_out[b][co][x] in[b][ci][x + offset_o].
TEST(StencilConv, WeightGradientOverManyBlocksMatchesDirectSum) {
  const Geometry g({3, 4, 5});
  ParameterStore store;
  const StencilConv conv(g, 2, 3, 3, store, "conv");
  store.allocate();
  const index_t n = 41, V = g.volume();
  const Tensor in = random_tensor(n, 2, V, 30);
  const Tensor d_out = random_tensor(n, 3, V, 31);
  conv.accumulate_weight_grads(in, d_out, n, store.grads());
  const auto gh = host_copy(store.grads());
  const auto ih = host_copy(in), dh = host_copy(d_out);
  const auto table = Kokkos::create_mirror_view_and_copy(HostSpace(), g.stencil(3));
  const int n_off = conv.stencil_size();
  double worst = 0;
  for (int co = 0; co < 3; ++co) {
    double bias = 0;
    for (index_t b = 0; b < n; ++b)
      for (index_t x = 0; x < V; ++x) bias += dh(b, co, x);
    worst = std::max(worst, std::abs(gh(conv.bias_offset() + co) - bias));
    for (int ci = 0; ci < 2; ++ci)
      for (int o = 0; o < n_off; ++o) {
        double w = 0;
        for (index_t b = 0; b < n; ++b)
          for (index_t x = 0; x < V; ++x) w += dh(b, co, x) * ih(b, ci, table(x, o));
        worst = std::max(worst, std::abs(gh(conv.weight_offset() + (co * 2 + ci) * n_off + o) - w));
      }
  }
  EXPECT_LT(worst, 1e-10);
}

INSTANTIATE_TEST_SUITE_P(Shapes, StencilConvCases,
                         ::testing::Values(ConvCase{{5}, 1}, ConvCase{{5}, 3}, ConvCase{{7}, 5},
                                           ConvCase{{4, 6}, 1}, ConvCase{{4, 6}, 3},
                                           ConvCase{{3, 4, 5}, 1}, ConvCase{{3, 4, 5}, 3},
                                           ConvCase{{2, 3, 3, 4}, 3}),
                         case_name);

// The float32 networks' tanh (a vectorised polynomial, not libm's tanhf, on
// SIMD builds) through a 1x1 convolution with weight 1 and bias 0, whose
// output is exactly tanh of the input: within 4 float ulps of tanh in double
// (measured: 0.7 on AVX-512) from 0 through both branches (|x| < 0.625 and above) to
// saturation; signs, zero, infinities and NaN.
TEST(StencilConv, Float32TanhIsAccurate) {
  const int n_values = 4096;
  const Geometry g({n_values});
  ParameterStore store;
  const StencilConv conv(g, 1, 1, 1, store, "tanh");
  store.allocate();
  Kokkos::deep_copy(Kokkos::subview(store.values(), conv.weight_offset()), 1.0);
  TensorOf<float> in("in", 1, 1, n_values), out("out", 1, 1, n_values);
  auto h = Kokkos::create_mirror_view(in);
  std::vector<float> x(n_values);
  for (int i = 0; i < n_values - 8; ++i) x[i] = -12.0f + 24.0f * float(i) / float(n_values - 9);
  const float specials[8] = {0.0f, -0.0f, 1e-30f, -0.625f, 0.6249999f,
                             INFINITY, -INFINITY, NAN};
  for (int k = 0; k < 8; ++k) x[n_values - 8 + k] = specials[k];
  for (int i = 0; i < n_values; ++i) h(0, 0, i) = x[i];
  Kokkos::deep_copy(in, h);
  conv.forward_activated(store.values(), in, 1, Activation::Tanh, out);
  const auto got = Kokkos::create_mirror_view_and_copy(HostSpace(), out);
  double worst_ulps = 0;
  for (int i = 0; i < n_values; ++i) {
    const double ref = std::tanh(double(x[i]));
    const float t = got(0, 0, i);
    if (std::isnan(x[i])) {
      EXPECT_TRUE(std::isnan(t));
      continue;
    }
    if (x[i] != 0) {  // (the conv gives bias 0 + -0 = +0)
      EXPECT_EQ(std::signbit(t), std::signbit(ref)) << x[i];
    }
    const double ulp = std::max(std::abs(ref), 1e-38) * 0x1p-23;
    worst_ulps = std::max(worst_ulps, std::abs(double(t) - ref) / ulp);
  }
  std::printf("  float32 tanh: worst %.2f ulp over %d values\n", worst_ulps, n_values);
  EXPECT_LE(worst_ulps, 4.0);
}

TEST(StencilConv, RegistersWeightThenBias) {
  const Geometry g({4, 4});
  ParameterStore store;
  store.add(5, "before");
  const StencilConv conv(g, 2, 4, 3, store, "layer");
  store.allocate();
  ASSERT_EQ(store.blocks().size(), 3u);
  EXPECT_EQ(store.blocks()[1].name, "layer.weight");
  EXPECT_EQ(store.blocks()[1].offset, 5);
  EXPECT_EQ(store.blocks()[1].count, 4 * 2 * 9);
  EXPECT_EQ(store.blocks()[2].name, "layer.bias");
  EXPECT_EQ(store.block("layer.bias").count, 4);
  EXPECT_EQ(conv.weight_offset(), 5);
  EXPECT_EQ(conv.bias_offset(), 5 + 72);
  EXPECT_EQ(store.size(), 5 + 72 + 4);
  EXPECT_DOUBLE_EQ(conv.flops_forward(10), 2.0 * 10 * 16 * 4 * 2 * 9);
  EXPECT_THROW(store.add(1, "late"), RuntimeFailure);
}

TEST(StencilConv, BadShapesAreInputErrorsNamingTheLayer) {
  const Geometry g({4, 4});
  ParameterStore store;
  try {
    StencilConv(g, 1, kMaxChannels + 1, 3, store, "coupling3.net.conv1");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("coupling3.net.conv1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(StencilConv(g, 1, 2, 2, store, "even"), InputError);
  EXPECT_THROW(StencilConv(g, 0, 2, 3, store, "empty"), InputError);
}

// ---- activations ------------------------------------------------------------

TEST(Activation, NamesAndValues) {
  EXPECT_EQ(activation_from_name("identity"), Activation::Identity);
  EXPECT_EQ(activation_from_name("leaky_relu"), Activation::LeakyReLU);
  EXPECT_EQ(activation_from_name("tanh"), Activation::Tanh);
  EXPECT_THROW(activation_from_name("relu"), InputError);
  for (Activation a : {Activation::Identity, Activation::LeakyReLU, Activation::Tanh})
    EXPECT_EQ(activation_from_name(activation_name(a)), a);

  const Tensor pre = random_tensor(3, 2, 7, 9, 2.0);
  Tensor post("post", 3, 2, 7);
  const auto p = host_copy(pre);
  for (Activation a : {Activation::Identity, Activation::LeakyReLU, Activation::Tanh}) {
    activation_forward(a, pre, 3, post);
    const auto h = host_copy(post);
    for (int b = 0; b < 3; ++b)
      for (int c = 0; c < 2; ++c)
        for (int x = 0; x < 7; ++x) {
          const double v = p(b, c, x);
          const double expected = a == Activation::Tanh        ? std::tanh(v)
                                  : a == Activation::LeakyReLU ? (v > 0 ? v : 0.01 * v)
                                                               : v;
          EXPECT_NEAR(h(b, c, x), expected, 1e-15 * (1 + std::abs(v)));
        }
  }
}

TEST(Activation, BackwardMatchesFiniteDifferences) {
  const index_t n = 3;
  const Tensor pre = random_tensor(n, 2, 7, 10, 2.0);
  const auto R = host_copy(random_tensor(n, 2, 7, 11));
  Tensor d_post("d_post", n, 2, 7), d_pre("d_pre", n, 2, 7), d_pre2("d_pre2", n, 2, 7);
  Tensor post("post", n, 2, 7);
  Kokkos::deep_copy(d_post, R);
  for (Activation a : {Activation::Identity, Activation::LeakyReLU, Activation::Tanh}) {
    activation_backward(a, pre, d_post, n, d_pre);
    activation_forward(a, pre, n, post);
    activation_backward_from_output(a, post, d_post, n, d_pre2);
    const auto fd = finite_differences(pre, 1e-5, [&] {
      activation_forward(a, pre, n, post);
      return contract(post, R, n);
    });
    const auto an = host_copy(d_pre), an2 = host_copy(d_pre2);
    EXPECT_LT(relative_error(fd, an.data()), 1e-6) << activation_name(a);
    for (std::size_t i = 0; i < an.span(); ++i)
      EXPECT_NEAR(an.data()[i], an2.data()[i], 1e-15) << activation_name(a);
  }
}

// ---- ConvNet ----------------------------------------------------------------

struct NetCase {
  std::vector<int> shape;
  std::vector<int> channels;
};

class ConvNetCases : public ::testing::TestWithParam<NetCase> {};

// The tutorial's (s, t) network: LeakyReLU between convolutions, tanh at the end.
// Step 1e-6: a smaller step makes it rarer that a pre-activation crosses the
// LeakyReLU kink inside the difference (which would spoil the derivative there).
TEST_P(ConvNetCases, BackwardMatchesFiniteDifferences) {
  const Geometry g(GetParam().shape);
  const auto& ch = GetParam().channels;
  const index_t n = 2, V = g.volume();
  ParameterStore store;
  ConvNet net(g, ch, 3, Activation::LeakyReLU, Activation::Tanh, store, "net", n + 1);
  store.allocate();
  net.initialize(store.values(), 12, 0);
  randomize(store.values(), 13, 0.5);  // larger than the init so tanh is not linear
  const Tensor in = random_tensor(n, ch.front(), V, 14);
  const auto R = host_copy(random_tensor(n, ch.back(), V, 15));
  Tensor out("out", n, ch.back(), V), d_out("d_out", n, ch.back(), V);
  Tensor d_in("d_in", n, ch.front(), V);
  Kokkos::deep_copy(d_out, R);
  net.forward(store.values(), in, n, out);
  net.backward(store.values(), d_out, n, d_in, store.grads());

  auto loss = [&] {
    net.forward(store.values(), in, n, out);
    return contract(out, R, n);
  };
  const auto fd_params = finite_differences(store.values(), 1e-6, loss);
  const auto fd_in = finite_differences(in, 1e-6, loss);
  const auto grads = host_copy(store.grads());
  EXPECT_LT(relative_error(fd_params, grads.data()), 1e-6);
  EXPECT_LT(relative_error(fd_in, host_copy(d_in).data()), 1e-6);
  // every parameter block gets a nonzero gradient
  for (const auto& block : store.blocks()) {
    double norm = 0;
    for (index_t i = 0; i < block.count; ++i) norm += std::abs(grads(block.offset + i));
    EXPECT_GT(norm, 0) << block.name;
  }
}

TEST_P(ConvNetCases, TranslationEquivariant) {
  const Geometry g(GetParam().shape);
  const auto& ch = GetParam().channels;
  const index_t n = 2, V = g.volume();
  ParameterStore store;
  ConvNet net(g, ch, 3, Activation::LeakyReLU, Activation::Tanh, store, "net", n);
  store.allocate();
  net.initialize(store.values(), 16, 0);
  const Tensor in = random_tensor(n, ch.front(), V, 17);
  Tensor out("out", n, ch.back(), V), out_shifted("out_shifted", n, ch.back(), V);
  net.forward(store.values(), in, n, out);
  for (index_t a_site = 0; a_site < V; ++a_site) {
    const auto a = g.coords(a_site);
    net.forward(store.values(), shifted(g, in, a), n, out_shifted);
    const auto expected = host_copy(shifted(g, out, a));
    const auto got = host_copy(out_shifted);
    double worst = 0;
    for (std::size_t i = 0; i < got.span(); ++i)
      worst = std::max(worst, std::abs(got.data()[i] - expected.data()[i]));
    EXPECT_LT(worst, 1e-14) << "shift by site " << a_site;
  }
}

INSTANTIATE_TEST_SUITE_P(Nets, ConvNetCases,
                         ::testing::Values(NetCase{{4, 6}, {1, 8, 8, 2}},
                                           NetCase{{3, 4, 4}, {1, 4, 2}},
                                           NetCase{{6}, {2, 5, 3, 1}}));

TEST(ConvNet, InitializeReproducibleAndWithinPyTorchBounds) {
  const Geometry g({8, 8});
  auto build = [&](ParameterStore& store) {
    return ConvNet(g, {1, 8, 8, 2}, 3, Activation::LeakyReLU, Activation::Tanh, store, "net", 4);
  };
  ParameterStore a, b, c;
  ConvNet net_a = build(a), net_b = build(b), net_c = build(c);
  a.allocate();
  b.allocate();
  c.allocate();
  net_a.initialize(a.values(), 2024, 0);
  net_b.initialize(b.values(), 2024, 0);
  net_c.initialize(c.values(), 2025, 0);
  const auto ha = host_copy(a.values()), hb = host_copy(b.values()), hc = host_copy(c.values());
  index_t differing = 0;
  for (index_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(ha(i), hb(i)) << i;
    differing += ha(i) != hc(i);
  }
  EXPECT_EQ(differing, a.size());

  for (const auto& layer : net_a.layers()) {
    const double bound = 1.0 / std::sqrt(layer.c_in() * layer.stencil_size());
    double max_abs = 0, sum = 0;
    const index_t count = layer.weight_count() + layer.c_out();
    for (index_t i = 0; i < layer.weight_count(); ++i) {
      const double w = ha(layer.weight_offset() + i);
      EXPECT_LT(std::abs(w), bound);
      max_abs = std::max(max_abs, std::abs(w));
      sum += w;
    }
    for (int co = 0; co < layer.c_out(); ++co) {
      const double v = ha(layer.bias_offset() + co);
      EXPECT_LT(std::abs(v), bound);
      sum += v;
    }
    if (count > 100) {  // uniform, not squeezed into a corner of the interval
      EXPECT_GT(max_abs, 0.9 * bound) << layer.name();
      EXPECT_LT(std::abs(sum / count), 0.2 * bound) << layer.name();
    }
  }

  // layer ids pick different streams: the same-shaped net at another id differs
  ParameterStore d;
  ConvNet net_d = build(d);
  d.allocate();
  net_d.initialize(d.values(), 2024, net_a.n_layers());
  const auto hd = host_copy(d.values());
  index_t same = 0;
  for (index_t i = 0; i < d.size(); ++i) same += hd(i) == ha(i);
  EXPECT_EQ(same, 0);
}

TEST(ConvNet, FlopsAndErrors) {
  const Geometry g({8, 8});
  ParameterStore store;
  const ConvNet net(g, {1, 8, 8, 2}, 3, Activation::LeakyReLU, Activation::Tanh, store, "net", 64);
  EXPECT_EQ(net.n_layers(), 3u);
  EXPECT_EQ(store.size(), (8 * 9 + 8) + (64 * 9 + 8) + (16 * 9 + 2));
  EXPECT_DOUBLE_EQ(net.flops_forward(64), 2.0 * 64 * 64 * 9 * (8 + 64 + 16));
  EXPECT_THROW(ConvNet(g, {1}, 3, Activation::LeakyReLU, Activation::Tanh, store, "bad", 4),
               InputError);
  EXPECT_THROW(
      ConvNet(g, {1, 100, 2}, 3, Activation::LeakyReLU, Activation::Tanh, store, "wide", 4),
      InputError);
}
