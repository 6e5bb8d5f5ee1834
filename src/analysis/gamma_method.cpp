// Wolff's Gamma method (hep-lat/0306017) with automatic windowing.
#include "flowlat/analysis/gamma_method.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>

#include "flowlat/core/error.hpp"

namespace flowlat {

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// Neumaier-compensated sum: a constant series has a mean exact to rounding,
// so its fluctuations vanish (to rounding) and it is recognised as constant.
class CompensatedSum {
 public:
  void add(double x) {
    const double t = sum_ + x;
    comp_ += std::abs(sum_) >= std::abs(x) ? (sum_ - t) + x : (x - t) + sum_;
    sum_ = t;
  }
  double value() const { return sum_ + comp_; }

 private:
  double sum_ = 0, comp_ = 0;
};

using Replicas = std::vector<std::vector<double>>;

std::int64_t total_size(const Replicas& r) {
  std::int64_t n = 0;
  for (const auto& v : r) n += std::int64_t(v.size());
  return n;
}

Replicas drop_empty(const Replicas& r) {
  Replicas out;
  for (const auto& v : r)
    if (!v.empty()) out.push_back(v);
  return out;
}

double global_mean(const Replicas& r) {
  CompensatedSum s;
  for (const auto& v : r)
    for (double x : v) s.add(x);
  return s.value() / double(total_size(r));
}

double max_abs(const Replicas& r) {
  double m = 0;
  for (const auto& v : r)
    for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// Number of pairs (i, i+t) within replicas.
double pair_count(const Replicas& d, std::int64_t t) {
  double c = 0;
  for (const auto& v : d) c += double(std::max<std::int64_t>(std::int64_t(v.size()) - t, 0));
  return c;
}

void autocov_direct(const Replicas& d, std::int64_t t0, std::int64_t t1, std::vector<double>& G) {
  for (std::int64_t t = t0; t <= t1; ++t) {
    double s = 0;
    for (const auto& v : d) {
      const std::int64_t n = std::int64_t(v.size());
      for (std::int64_t i = 0; i + t < n; ++i) s += v[i] * v[i + t];
    }
    const double c = pair_count(d, t);
    G[t] = c > 0 ? s / c : 0.0;
  }
}

// Smallest 2^a 3^b 5^c 7^e >= n (sizes FFTW transforms fast).
std::int64_t fft_size(std::int64_t n) {
  for (std::int64_t m = std::max<std::int64_t>(n, 1);; ++m) {
    std::int64_t r = m;
    for (int p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

void autocov_fft(const Replicas& d, std::int64_t t_max, std::vector<double>& G) {
  struct Free {
    void operator()(void* p) const { fftw_free(p); }
  };
  struct Destroy {
    void operator()(fftw_plan p) const { fftw_destroy_plan(p); }
  };
  using Plan = std::unique_ptr<std::remove_pointer_t<fftw_plan>, Destroy>;
  std::vector<double> sums(std::size_t(t_max + 1), 0.0);
  for (const auto& v : d) {
    const std::int64_t n = std::int64_t(v.size());
    const std::int64_t m = fft_size(2 * n);  // zero padding: no wrap-around for t < n
    if (m > std::numeric_limits<int>::max())
      throw RuntimeFailure("gamma_method: replica too long for an FFT");
    const std::int64_t mh = m / 2 + 1;
    std::unique_ptr<double[], Free> r(fftw_alloc_real(std::size_t(m)));
    std::unique_ptr<fftw_complex[], Free> c(fftw_alloc_complex(std::size_t(mh)));
    if (!r || !c) throw RuntimeFailure("gamma_method: fftw_malloc failed");
    // FFTW_ESTIMATE leaves the arrays alone while planning.
    Plan fwd(fftw_plan_dft_r2c_1d(int(m), r.get(), c.get(), FFTW_ESTIMATE));
    Plan bwd(fftw_plan_dft_c2r_1d(int(m), c.get(), r.get(), FFTW_ESTIMATE));
    if (!fwd || !bwd) throw RuntimeFailure("gamma_method: FFTW could not make a plan");
    std::copy(v.begin(), v.end(), r.get());
    std::fill(r.get() + n, r.get() + m, 0.0);
    fftw_execute(fwd.get());
    for (std::int64_t k = 0; k < mh; ++k) {
      c[k][0] = c[k][0] * c[k][0] + c[k][1] * c[k][1];
      c[k][1] = 0.0;
    }
    fftw_execute(bwd.get());
    for (std::int64_t t = 0; t <= std::min(t_max, n - 1); ++t) sums[t] += r[t] / double(m);
  }
  for (std::int64_t t = 0; t <= t_max; ++t) {
    const double cnt = pair_count(d, t);
    G[t] = cnt > 0 ? sums[t] / cnt : 0.0;
  }
}

// The windowing procedure on centred fluctuations d (deviations from `mean`).
// zero_scale: fluctuations below this size are rounding (constant data).
GammaResult analyse(const Replicas& d, double mean, double zero_scale, double S) {
  GammaResult res;
  res.mean = mean;
  res.n = total_size(d);
  const double N = double(res.n);
  std::int64_t w_max = std::numeric_limits<std::int64_t>::max();
  for (const auto& v : d) w_max = std::min<std::int64_t>(w_max, std::int64_t(v.size()) / 2);

  std::vector<double> G(std::size_t(w_max + 1), 0.0);
  autocov_direct(d, 0, 0, G);
  if (!(G[0] > zero_scale * zero_scale)) return res;  // constant: error 0, tau_int 1/2

  // Gamma(t) is computed as far as the windowing needs it: direct sums in
  // doubling ranges while cheap, else all of it by FFT at once.
  std::int64_t known = 0;
  const double fft_threshold = 50.0 * std::log2(2.0 * N + 2.0);
  auto ensure = [&](std::int64_t t) {
    if (t <= known) return;
    const std::int64_t upto = std::min(w_max, std::max<std::int64_t>(2 * known, 16));
    const std::int64_t want = std::max(upto, t);
    if (double(want) > fft_threshold) {
      autocov_fft(d, w_max, G);
      known = w_max;
    } else {
      autocov_direct(d, known + 1, want, G);
      known = want;
    }
  };

  int W = 0;
  double sum = 0;  // sum_{t=1}^W Gamma(t)/Gamma(0)
  for (std::int64_t w = 1; w <= w_max; ++w) {
    ensure(w);
    sum += G[w] / G[0];
    W = int(w);
    const double tau_int = 0.5 + sum;
    const double tau = tau_int <= 0.5 ? std::numeric_limits<double>::min()
                                      : S / std::log((2 * tau_int + 1) / (2 * tau_int - 1));
    const double g = std::exp(-double(w) / tau) - tau / std::sqrt(double(w) * N);
    if (g < 0) break;
  }

  double C = G[0];
  for (int t = 1; t <= W; ++t) C += 2 * G[t];
  // Bias correction (eq. 49): Gamma(t) += C/N for every t, so C grows by (2W+1) C/N.
  const double G0 = G[0] + C / N;
  C += (2 * W + 1) * C / N;
  C = std::max(C, 0.0);
  res.window = W;
  res.error = std::sqrt(C / N);
  res.tau_int = C / (2 * G0);
  res.tau_int_error = 2 * res.tau_int * std::sqrt(std::max(0.0, (W + 0.5 - res.tau_int) / N));
  return res;
}

void check_S(double S) {
  if (!(S > 0) || !std::isfinite(S))
    throw InputError("gamma_method: S must be positive, got " + std::to_string(S));
}

}  // namespace

namespace detail {
std::vector<double> autocovariance(const std::vector<std::vector<double>>& d, std::int64_t t_max,
                                   AutocovMethod method) {
  if (t_max < 0) throw InputError("autocovariance: t_max < 0");
  std::vector<double> G(std::size_t(t_max + 1), 0.0);
  if (method == AutocovMethod::Direct)
    autocov_direct(d, 0, t_max, G);
  else
    autocov_fft(d, t_max, G);
  return G;
}
}  // namespace detail

GammaResult gamma_method(const std::vector<std::vector<double>>& replicas, double S) {
  check_S(S);
  const Replicas data = drop_empty(replicas);
  if (data.empty()) throw InputError("gamma_method: no data");
  const double mean = global_mean(data);
  Replicas d = data;
  for (auto& v : d)
    for (double& x : v) x -= mean;
  return analyse(d, mean, 16 * kEps * max_abs(data), S);
}

GammaResult gamma_method_chains(const std::vector<double>& data, std::int64_t n_chain, double S) {
  if (n_chain < 1) throw InputError("gamma_method: n_chain must be >= 1");
  if (std::int64_t(data.size()) % n_chain != 0)
    throw InputError("gamma_method: " + std::to_string(data.size()) + " values do not split into " +
                     std::to_string(n_chain) + " chains");
  const std::int64_t per = std::int64_t(data.size()) / n_chain;
  Replicas r(static_cast<std::size_t>(n_chain));
  for (std::int64_t c = 0; c < n_chain; ++c)
    r[c].assign(data.begin() + c * per, data.begin() + (c + 1) * per);
  return gamma_method(r, S);
}

GammaResult gamma_method_derived(const std::vector<std::vector<std::vector<double>>>& primaries,
                                 const std::function<double(const std::vector<double>&)>& f,
                                 double S) {
  check_S(S);
  if (primaries.empty()) throw InputError("gamma_method_derived: no primaries");
  if (!f) throw InputError("gamma_method_derived: no function");
  const std::size_t n_alpha = primaries.size();
  const Replicas& shape = primaries[0];
  for (const auto& p : primaries) {
    bool same = p.size() == shape.size();
    for (std::size_t r = 0; same && r < p.size(); ++r) same = p[r].size() == shape[r].size();
    if (!same) throw InputError("gamma_method_derived: primaries of different replica shapes");
  }
  if (total_size(shape) == 0) throw InputError("gamma_method_derived: no data");
  const double N = double(total_size(shape));

  std::vector<double> means(n_alpha), grad(n_alpha, 0.0), scale(n_alpha);
  for (std::size_t a = 0; a < n_alpha; ++a) {
    means[a] = global_mean(primaries[a]);
    scale[a] = max_abs(primaries[a]);
  }
  for (std::size_t a = 0; a < n_alpha; ++a) {
    double var = 0;
    for (const auto& v : primaries[a])
      for (double x : v) var += (x - means[a]) * (x - means[a]);
    var /= N;
    const double tiny = 16 * kEps * scale[a];
    if (!(var > tiny * tiny)) continue;  // a constant primary does not fluctuate
    const double h = std::sqrt(var / N) / 100;
    std::vector<double> x = means;
    x[a] = means[a] + h;
    const double fp = f(x);
    x[a] = means[a] - h;
    const double fm = f(x);
    grad[a] = (fp - fm) / (2 * h);
  }
  // Projected fluctuations d_i = sum_alpha f_alpha (a_alpha,i - abar_alpha).
  Replicas d(shape.size());
  double zero_scale = 0;
  for (std::size_t r = 0; r < shape.size(); ++r) d[r].assign(shape[r].size(), 0.0);
  for (std::size_t a = 0; a < n_alpha; ++a) {
    if (grad[a] == 0) continue;
    zero_scale += 16 * kEps * std::abs(grad[a]) * scale[a];
    for (std::size_t r = 0; r < shape.size(); ++r)
      for (std::size_t i = 0; i < shape[r].size(); ++i)
        d[r][i] += grad[a] * (primaries[a][r][i] - means[a]);
  }
  return analyse(drop_empty(d), f(means), zero_scale, S);
}

}  // namespace flowlat
