// Exact 2D compact U(1) results from the character expansion (derivations in comments).
#include "flowlat/theory/u1/u1_exact.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace flowlat::u1_exact {

namespace {

constexpr double kPi = 3.14159265358979323846;
// Terms below this fraction of the sum are dropped: every sum below runs over terms that
// decrease in |n| at least geometrically, so the dropped tail is below 1e-18 of the sum.
constexpr double kNegligible = 1e-20;
constexpr int kMaxTerms = 100000;

void check_volume(long long V) {
  if (V < 1) throw std::domain_error("u1_exact: V must be >= 1, got " + std::to_string(V));
}

// ln I_n(beta) from the power series (beta/2)^n / n! sum_k (beta^2/4)^k / (k! (n+1)_k):
// its terms are positive, so the relative accuracy is a few ulp for every n. (The
// trapezoid rule on (1/pi) int_0^pi e^{beta cos phi} cos(n phi) cancels down to
// ulp * e^beta absolute, useless where I_n << e^beta.) -inf for n != 0 at beta = 0.
double log_bessel_i(int n, double beta) {
  if (beta < 0 || !std::isfinite(beta))
    throw std::domain_error("u1_exact: beta must be finite and >= 0");
  const double m = std::abs(double(n));
  if (beta == 0) return m == 0 ? 0.0 : -std::numeric_limits<double>::infinity();
  const double q = 0.25 * beta * beta;
  double term = 1, sum = 1;
  for (int k = 1; k < kMaxTerms; ++k) {
    term *= q / (k * (m + k));
    sum += term;
    // past the largest term the ratios only shrink: the tail is below 2 * term
    if (term < 1e-17 * sum && q / ((k + 1) * (m + k + 1)) < 0.5) break;
  }
  return m * std::log(0.5 * beta) - std::lgamma(m + 1) + std::log(sum);
}

// exp(m1 * la1 + m2 * la2) with 0 * (-inf) read as 0 (a factor a^0 = 1 even where a = 0).
double power_product(double la1, double m1, double la2 = 0, double m2 = 0) {
  double e = 0;
  if (m1 != 0) e += m1 * la1;
  if (m2 != 0) e += m2 * la2;
  return std::exp(e);
}

// ln(I_n / I_0) for n = 0, 1, ..., extended on demand.
class LogRatios {
 public:
  explicit LogRatios(double beta) : beta_(beta), log_i0_(log_bessel_i(0, beta)) {}
  double operator()(int n) {
    while (int(la_.size()) <= n) la_.push_back(log_bessel_i(int(la_.size()), beta_) - log_i0_);
    return la_[n];
  }
  double log_i0() const { return log_i0_; }

 private:
  double beta_, log_i0_;
  std::vector<double> la_;
};

// A term of a series and a bound on |term| that decreases in n (a term may vanish by
// accident where its bound does not, and must not end the sum there).
struct Term {
  double value, bound;
};

// t_0 + 2 sum_{n>=1} t_n of a series symmetric in n -> -n.
template <class TermOf>
double symmetric_sum(TermOf term, int max_n = kMaxTerms) {
  double sum = term(0).value;
  for (int n = 1;; ++n) {
    if (n > max_n)
      throw std::domain_error("u1_exact: character sum not converged by |n| = " +
                              std::to_string(max_n) + " (beta or V out of range)");
    const Term t = term(n);
    sum += 2 * t.value;
    if (t.bound <= kNegligible * std::abs(sum)) break;
  }
  return sum;
}

// sum_n (I_n / I_0)^V = 1 + 2 sum_{n>=1} (I_n / I_0)^V.
double relative_partition_sum(LogRatios& la, double V) {
  return symmetric_sum([&](int n) {
    const double t = power_product(la(n), V);
    return Term{t, t};
  });
}

struct GaussRule {
  std::vector<double> x, w;  // nodes and weights on [-1, 1]
};

// P_N(x) and P_N'(x) by the three-term recurrence.
void legendre(int N, double x, double& p, double& dp) {
  double p0 = 1, p1 = x;
  for (int k = 2; k <= N; ++k) {
    const double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  p = p1;
  dp = N * (x * p1 - p0) / (x * x - 1);
}

// Gauss-Legendre rule by Newton's method on P_N from Tricomi's initial guesses.
GaussRule gauss_legendre(int N) {
  GaussRule r{std::vector<double>(N), std::vector<double>(N)};
  for (int i = 0; i < (N + 1) / 2; ++i) {
    double x = std::cos(kPi * (i + 0.75) / (N + 0.5)), p = 0, dp = 0;
    for (int it = 0; it < 100; ++it) {
      legendre(N, x, p, dp);
      x -= p / dp;
      if (std::abs(p / dp) < 5e-16) break;
    }
    legendre(N, x, p, dp);
    r.x[i] = -x;
    r.x[N - 1 - i] = x;
    r.w[i] = r.w[N - 1 - i] = 2 / ((1 - x * x) * dp * dp);
  }
  return r;
}

// Rules are built once per node count (a build costs O(N^2)); entries never move.
const GaussRule& cached_rule(int N) {
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<const GaussRule>> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  auto& rule = cache[N];
  if (!rule) rule = std::make_unique<const GaussRule>(gauss_legendre(N));
  return *rule;
}

}  // namespace

double bessel_i(int n, double beta) { return std::exp(log_bessel_i(n, beta)); }

double log_partition_function(double beta, long long V) {
  check_volume(V);
  LogRatios la(beta);
  return double(V) * la.log_i0() + std::log(relative_partition_sum(la, double(V)));
}

// <cos theta_P> = (1/V) d ln Z / d beta = sum_n w_n I_n'/I_n with I_n' = (I_{n-1} + I_{n+1})/2,
// w_n = I_n^V / Z. Relative to I_0: (1/S) sum_n a_n^{V-1} (a_{n-1} + a_{n+1}) / 2, a_n = I_n/I_0,
// symmetric in n -> -n, and its n = 0 term is a_1.
double mean_plaquette(double beta, long long V) {
  check_volume(V);
  LogRatios la(beta);
  const double v = double(V);
  const double num = symmetric_sum([&](int n) {
    const double a_lo = std::exp(la(std::abs(n - 1))), a_hi = std::exp(la(n + 1));
    const double t = power_product(la(n), v - 1) * 0.5 * (a_lo + a_hi);
    return Term{t, t};
  });
  return num / relative_partition_sum(la, v);
}

ThetaDerivatives theta_derivatives(int n, double beta, int nodes) {
  if (nodes < 1) throw std::domain_error("u1_exact: quadrature needs >= 1 node");
  const GaussRule& rule = cached_rule(nodes);
  // Both integrands are even in phi: 2 int_0^pi, nodes mapped from [-1, 1] to [0, pi].
  double s1 = 0, s2 = 0;
  for (int i = 0; i < nodes; ++i) {
    const double phi = 0.5 * kPi * (rule.x[i] + 1);
    const double e = rule.w[i] * std::exp(beta * (std::cos(phi) - 1));
    s1 += e * phi * std::sin(n * phi);
    s2 += e * phi * phi * std::cos(n * phi);
  }
  s1 *= 0.5 * kPi;
  s2 *= 0.5 * kPi;
  // f(theta) = (1/2 pi) int e^{beta cos phi} cos((n + theta/2 pi) phi):
  // f'  = -(1/4 pi^2) int phi sin(n phi) e^{beta cos phi},
  // f'' = -(1/8 pi^3) int phi^2 cos(n phi) e^{beta cos phi} over [-pi, pi] (= PHYSICS.md's).
  return {std::exp(log_bessel_i(n, beta) - beta), -2 * s1 / (4 * kPi * kPi),
          -2 * s2 / (8 * kPi * kPi * kPi)};
}

// Z(theta) = int e^{-S + i theta Q}: with the plaquettes' constraint sum_P wrap(theta_P) = 2 pi Q
// written as (1/2 pi) sum_n e^{i n sum_P wrap(theta_P)}, each plaquette integrates to
// f(n + theta/2 pi), so Z(theta) = sum_n f(n + theta/2 pi)^V (the derivation of PHYSICS.md's
// formula; its f', f'' are theta-derivatives, which is what theta_derivatives returns).
// <Q^2> = -d^2 ln Z / d theta^2 at 0 (Z'(0) = 0: f' is odd in n) gives
//   <Q^2> = -(V/S) sum_n [(V-1) a_n^{V-2} b_n^2 + a_n^{V-1} c_n],
// a_n = f_n/f_0, b_n = f_n'/f_0, c_n = f_n''/f_0, S = sum_n a_n^V.
// V = 1, 2: Q = 0 identically (the 1x1 torus's plaquette is 0; on 1x2 the two plaquettes are
// psi and -psi), and Z(theta) is theta-independent (Poisson summation, Parseval), but the
// sums above converge only like 1/n^2 there (b_n ~ 1/n), so these two are returned exactly.
double mean_q2(double beta, long long V) {
  check_volume(V);
  if (V <= 2) return 0;
  LogRatios la(beta);
  const double v = double(V);
  const double f0 = theta_derivatives(0, beta).f;
  const double sum = symmetric_sum(
      [&](int n) {
        const ThetaDerivatives d = theta_derivatives(n, beta);
        const double b = d.df / f0, c = d.d2f / f0;
        const double a_v2 = power_product(la(n), v - 2), a_v1 = power_product(la(n), v - 1);
        return Term{(v - 1) * a_v2 * b * b + a_v1 * c, (v - 1) * a_v2 * (b * b + std::abs(c))};
      },
      kMaxCharacter);
  // The n != 0 terms cancel the n = 0 term down to <Q^2>/V ~ e^{-c beta V}-small values at
  // large beta and tiny V, so the absolute accuracy is ~1e-16 V |c_0| (|c_0| = chi_t at
  // V = infinity): clip its rounding to 0.
  return std::max(0.0, -v * sum / relative_partition_sum(la, v));
}

double topological_susceptibility(double beta, long long V) { return mean_q2(beta, V) / V; }

// V -> infinity: only n = 0 survives, chi_t = -f_0''/f_0.
double topological_susceptibility_infinite_volume(double beta) {
  const ThetaDerivatives d = theta_derivatives(0, beta);
  return -d.d2f / d.f;
}

// <e^{i sum_{P in A} theta_P}>: the loop's plaquettes carry the character n + 1, the others n,
// so <W> = sum_n I_{n+1}^A I_n^{V-A} / Z (real: n -> -n-1 maps the sum to its conjugate's).
// Pairing n >= 0 with -n-1 gives terms a_{n+1}^A a_n^{V-A} + a_n^A a_{n+1}^{V-A} that decrease.
double wilson_loop(double beta, long long V, long long area) {
  check_volume(V);
  if (area < 0 || area > V)
    throw std::domain_error("u1_exact: loop area must be in [0, V], got " + std::to_string(area));
  LogRatios la(beta);
  const double v = double(V), a = double(area);
  double num = 0;
  for (int n = 0;; ++n) {
    if (n > kMaxTerms) throw std::domain_error("u1_exact: Wilson-loop sum not converged");
    const double t =
        power_product(la(n + 1), a, la(n), v - a) + power_product(la(n), a, la(n + 1), v - a);
    num += t;
    if (t <= kNegligible * num) break;
  }
  return num / relative_partition_sum(la, v);
}

}  // namespace flowlat::u1_exact
