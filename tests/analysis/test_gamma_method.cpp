// Gamma method on data with known statistics: iid normals, AR(1) chains with
// exact tau_int = (1 + rho)/(2(1 - rho)), replicas, derived quantities, the
// coverage of the stated error, and the FFT path of Gamma(t).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "flowlat/analysis/gamma_method.hpp"
#include "flowlat/core/error.hpp"

using namespace flowlat;

namespace {

std::vector<double> iid_normal(std::size_t n, double mean, double sigma, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(mean, sigma);
  std::vector<double> v(n);
  for (auto& x : v) x = normal(rng);
  return v;
}

// Stationary AR(1) with unit variance: x_{i+1} = rho x_i + sqrt(1 - rho^2) eta.
std::vector<double> ar1(std::size_t n, double rho, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  std::vector<double> v(n);
  double x = normal(rng);
  const double c = std::sqrt(1 - rho * rho);
  for (auto& y : v) {
    y = x;
    x = rho * x + c * normal(rng);
  }
  return v;
}

double exact_tau(double rho) { return (1 + rho) / (2 * (1 - rho)); }

}  // namespace

TEST(GammaMethod, IidNormal) {
  const std::size_t N = 100000;
  const double sigma = 2.0, mu = 1.0;
  const auto r = gamma_method({iid_normal(N, mu, sigma, 1)});
  EXPECT_EQ(r.n, std::int64_t(N));
  EXPECT_NEAR(r.error, sigma / std::sqrt(double(N)), 0.1 * sigma / std::sqrt(double(N)));
  EXPECT_NEAR(r.tau_int, 0.5, 3 * r.tau_int_error);
  EXPECT_GT(r.tau_int_error, 0);
  EXPECT_LT(r.tau_int_error, 0.05);
  EXPECT_NEAR(r.mean, mu, 4 * r.error);
  EXPECT_GE(r.window, 1);
  EXPECT_LT(r.window, 20);
}

TEST(GammaMethod, Ar1TauInt) {
  std::mt19937_64 rng(2);
  const double rho = 0.9, tau = exact_tau(rho);
  ASSERT_DOUBLE_EQ(tau, 9.5);
  const std::size_t N = 200000;
  const auto r = gamma_method({ar1(N, rho, rng)});
  EXPECT_NEAR(r.tau_int, tau, 3 * r.tau_int_error);
  EXPECT_NEAR(r.tau_int, tau, 0.15 * tau);
  EXPECT_LT(r.tau_int_error, 0.1 * tau);
  // unit variance: error^2 = 2 tau / N
  const double exact_error = std::sqrt(2 * tau / double(N));
  EXPECT_NEAR(r.error, exact_error, 0.1 * exact_error);
  EXPECT_NEAR(r.mean, 0.0, 4 * r.error);
  // the window is a few tau (S = 1.5)
  EXPECT_GT(r.window, 3 * tau);
  EXPECT_LT(r.window, 20 * tau);
}

TEST(GammaMethod, ReplicasAgreeWithOneLongChain) {
  const double rho = 0.9;
  const std::size_t N = 160000, R = 8;
  std::mt19937_64 rng_long(3), rng_rep(4);
  const auto one = gamma_method({ar1(N, rho, rng_long)});
  std::vector<std::vector<double>> reps;
  std::vector<double> chain_major;
  for (std::size_t r = 0; r < R; ++r) {
    reps.push_back(ar1(N / R, rho, rng_rep));
    chain_major.insert(chain_major.end(), reps.back().begin(), reps.back().end());
  }
  const auto many = gamma_method(reps);
  EXPECT_EQ(many.n, std::int64_t(N));
  EXPECT_NEAR(many.tau_int, one.tau_int, 3 * std::hypot(many.tau_int_error, one.tau_int_error));
  EXPECT_NEAR(many.tau_int, exact_tau(rho), 3 * many.tau_int_error);
  EXPECT_NEAR(many.error, one.error, 0.15 * one.error);
  EXPECT_NEAR(many.mean, one.mean, 4 * std::hypot(many.error, one.error));

  // chain-major storage is the same thing
  const auto chains = gamma_method_chains(chain_major, std::int64_t(R));
  EXPECT_EQ(chains.mean, many.mean);
  EXPECT_EQ(chains.error, many.error);
  EXPECT_EQ(chains.tau_int, many.tau_int);
  EXPECT_EQ(chains.window, many.window);

  // replicas of different lengths (and an empty one) work
  std::vector<std::vector<double>> uneven{ar1(30000, rho, rng_rep), ar1(9000, rho, rng_rep), {},
                                          ar1(21000, rho, rng_rep)};
  const auto u = gamma_method(uneven);
  EXPECT_EQ(u.n, 60000);
  EXPECT_NEAR(u.tau_int, exact_tau(rho), 3 * u.tau_int_error);
}

TEST(GammaMethod, DerivedRatioOfIndependentMeans) {
  const std::size_t N = 100000;
  const double ma = 2.0, sa = 0.5, mb = 4.0, sb = 0.3;
  const auto a = iid_normal(N, ma, sa, 5), b = iid_normal(N, mb, sb, 6);
  const auto r = gamma_method_derived({{a}, {b}},
                                      [](const std::vector<double>& x) { return x[0] / x[1]; });
  const auto ra = gamma_method({a}), rb = gamma_method({b});
  // linear error propagation for independent a, b
  const double propagated = std::hypot(ra.error / rb.mean, ra.mean * rb.error / (rb.mean * rb.mean));
  const double exact = std::hypot(sa / mb, ma * sb / (mb * mb)) / std::sqrt(double(N));
  EXPECT_DOUBLE_EQ(r.mean, ra.mean / rb.mean);
  EXPECT_NEAR(r.error, propagated, 0.05 * propagated);
  EXPECT_NEAR(r.error, exact, 0.1 * exact);
  EXPECT_NEAR(r.mean, ma / mb, 4 * r.error);
  EXPECT_NEAR(r.tau_int, 0.5, 3 * r.tau_int_error);

  // f(x) = x[0] reproduces the primary
  const auto id = gamma_method_derived({{a}}, [](const std::vector<double>& x) { return x[0]; });
  EXPECT_DOUBLE_EQ(id.mean, ra.mean);
  EXPECT_NEAR(id.error, ra.error, 1e-6 * ra.error);
  EXPECT_NEAR(id.tau_int, ra.tau_int, 1e-6);
  EXPECT_EQ(id.window, ra.window);
}

TEST(GammaMethod, DerivedOfCorrelatedChains) {
  // F = <x> + <x^2> on AR(1) replicas: the gradient (1, 1) projects onto
  // x + x^2; compare with the Gamma method applied to that series directly.
  std::mt19937_64 rng(7);
  std::vector<std::vector<double>> x, x2, sum;
  for (int r = 0; r < 4; ++r) {
    x.push_back(ar1(20000, 0.8, rng));
    x2.emplace_back();
    sum.emplace_back();
    for (double v : x.back()) {
      x2.back().push_back(v * v);
      sum.back().push_back(v + v * v);
    }
  }
  const auto F = gamma_method_derived({x, x2},
                                      [](const std::vector<double>& m) { return m[0] + m[1]; });
  const auto direct = gamma_method(sum);
  EXPECT_NEAR(F.mean, direct.mean, 1e-12);
  EXPECT_NEAR(F.error, direct.error, 1e-6 * direct.error);
  EXPECT_NEAR(F.tau_int, direct.tau_int, 1e-6);
}

TEST(GammaMethod, ErrorCoverage) {
  // Over independent AR(1) data sets with mean 0, |mean| < error in 68% of them.
  std::mt19937_64 rng(8);
  const int sets = 200;
  int inside = 0;
  for (int s = 0; s < sets; ++s) {
    const auto r = gamma_method({ar1(5000, 0.9, rng)});
    if (std::abs(r.mean) < r.error) ++inside;
  }
  EXPECT_NEAR(double(inside) / sets, 0.68, 0.1);
}

TEST(GammaMethod, ConstantData) {
  for (double c : {0.0, 0.1, -3.7e5}) {
    const std::vector<double> v(1000, c);
    const auto r = gamma_method({v, v});
    EXPECT_EQ(r.error, 0.0);
    EXPECT_EQ(r.tau_int, 0.5);
    EXPECT_EQ(r.tau_int_error, 0.0);
    EXPECT_EQ(r.window, 0);
    EXPECT_NEAR(r.mean, c, 1e-15 * std::abs(c));
    EXPECT_EQ(r.n, 2000);
    // a derived quantity of a constant and a fluctuating primary depending only on the constant
    const auto d = gamma_method_derived(
        {{v}, {iid_normal(1000, 0, 1, 9)}},
        [](const std::vector<double>& m) { return 2 * m[0] + 1; });
    EXPECT_EQ(d.error, 0.0);
    EXPECT_EQ(d.tau_int, 0.5);
  }
  const auto single = gamma_method({{4.2}});  // one measurement
  EXPECT_EQ(single.mean, 4.2);
  EXPECT_EQ(single.error, 0.0);
}

TEST(GammaMethod, FftAutocovarianceMatchesDirect) {
  std::mt19937_64 rng(10);
  std::vector<std::vector<double>> d{ar1(1000, 0.7, rng), ar1(37, 0.7, rng), ar1(513, 0.7, rng)};
  const auto direct = detail::autocovariance(d, 600, detail::AutocovMethod::Direct);
  const auto fft = detail::autocovariance(d, 600, detail::AutocovMethod::Fft);
  ASSERT_EQ(direct.size(), 601u);
  ASSERT_EQ(fft.size(), 601u);
  for (std::size_t t = 0; t < direct.size(); ++t)
    EXPECT_NEAR(fft[t], direct[t], 1e-12 * direct[0]) << "t = " << t;
  // the pair count: Gamma(0) is the mean square
  double s = 0, n = 0;
  for (const auto& v : d)
    for (double x : v) {
      s += x * x;
      ++n;
    }
  EXPECT_NEAR(direct[0], s / n, 1e-14 * s / n);
}

TEST(GammaMethod, LongAutocorrelationUsesFftPath) {
  // tau_int = 499.5: the window (~ 2500) is past where direct sums stay cheap.
  std::mt19937_64 rng(11);
  const double rho = 0.998, tau = exact_tau(rho);
  const auto r = gamma_method({ar1(4000000, rho, rng)});
  EXPECT_GT(r.window, 1100);  // beyond the direct-sum range for this N
  EXPECT_NEAR(r.tau_int, tau, 3 * r.tau_int_error);
  EXPECT_NEAR(r.tau_int, tau, 0.15 * tau);
}

TEST(GammaMethod, RejectsBadInput) {
  EXPECT_THROW(gamma_method({}), InputError);
  EXPECT_THROW(gamma_method({{}, {}}), InputError);
  EXPECT_THROW(gamma_method({{1.0, 2.0}}, 0.0), InputError);
  EXPECT_THROW(gamma_method_chains({1, 2, 3}, 2), InputError);
  EXPECT_THROW(gamma_method_chains({1, 2, 3}, 0), InputError);
  const auto f = [](const std::vector<double>& m) { return m[0]; };
  EXPECT_THROW(gamma_method_derived({}, f), InputError);
  EXPECT_THROW(gamma_method_derived({{{1.0, 2.0}}, {{1.0}}}, f), InputError);
}
