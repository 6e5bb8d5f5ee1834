// ScalarFieldObservables: device reductions, one batched FFT per call, host
// post-processing of G(x) and |phi~(p)|^2.
#include "flowlat/observables/scalar_field_observables.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "flowlat/core/batch_reduce.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/exec_space.hpp"
#include "flowlat/core/math.hpp"

namespace flowlat {

namespace {
using HostMatrix =
    Kokkos::View<real_t**, Kokkos::LayoutRight, HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

constexpr std::size_t kNumScalars = 8;  // names().size()

index_t half_volume_of(const Geometry& g) {
  const int last = g.extent(g.dim() - 1);
  return g.volume() / last * (last / 2 + 1);
}
}  // namespace

ScalarFieldObservables::ScalarFieldObservables(
    const Geometry& geom, index_t max_batch,
    std::vector<std::pair<std::string, double>> by_symmetry, unsigned fftw_flags)
    : geom_(geom),
      by_symmetry_(std::move(by_symmetry)),
      max_batch_(max_batch),
      volume_(geom.volume()),
      half_volume_(half_volume_of(geom)),
      fft_(geom.extents(), std::max<index_t>(max_batch, 1), fftw_flags),
      sum_phi_("observables.sum_phi", std::max<index_t>(max_batch, 1)),
      sum_phi2_("observables.sum_phi2", std::max<index_t>(max_batch, 1)),
      sum_phi_host_("observables.sum_phi_host", std::max<index_t>(max_batch, 1)),
      sum_phi2_host_("observables.sum_phi2_host", std::max<index_t>(max_batch, 1)),
      action_host_("observables.action_host", std::max<index_t>(max_batch, 1)),
      power_(std::size_t(std::max<index_t>(max_batch, 1) * half_volume_)),
      g_(std::size_t(std::max<index_t>(max_batch, 1) * volume_)) {
  if (max_batch < 1)
    throw RuntimeFailure("ScalarFieldObservables: max_batch must be >= 1, got " +
                         std::to_string(max_batch));
  const int d = geom_.dim();
  for (int mu = 0; mu < d; ++mu) {
    std::array<int, kMaxDim> e{0, 0, 0, 0};
    e[mu] = 1;
    unit_sites_.push_back(geom_.site(e));
    if (geom_.extent(mu) > 1) p1_indices_.push_back(half_grid_index(e));
  }
  if (p1_indices_.empty()) p1_indices_.push_back(0);
}

std::vector<std::string> ScalarFieldObservables::names() {
  return {"M", "absM", "M2", "phi2", "action_density", "chi2", "E", "Gp1"};
}

std::vector<std::pair<std::string, index_t>> ScalarFieldObservables::layout(
    const Geometry& geom) {
  return {{"C_t", index_t(geom.extent(0))}};
}

// ---- half grid ----------------------------------------------------------------

std::array<int, kMaxDim> ScalarFieldObservables::half_grid_mode(index_t k) const {
  if (k < 0 || k >= half_volume_)
    throw RuntimeFailure("ScalarFieldObservables: half-grid index " + std::to_string(k) +
                         " outside 0.." + std::to_string(half_volume_ - 1));
  const int d = geom_.dim();
  std::array<int, kMaxDim> n{0, 0, 0, 0};
  index_t rest = k;
  for (int mu = d - 1; mu >= 0; --mu) {
    const int L = geom_.extent(mu);
    const int len = mu == d - 1 ? L / 2 + 1 : L;
    int m = int(rest % len);
    rest /= len;
    if (mu != d - 1 && m > L / 2) m -= L;
    n[mu] = m;
  }
  return n;
}

std::array<double, kMaxDim> ScalarFieldObservables::half_grid_momentum(index_t k) const {
  const auto n = half_grid_mode(k);
  std::array<double, kMaxDim> p{0, 0, 0, 0};
  for (int mu = 0; mu < geom_.dim(); ++mu) p[mu] = 2 * math::pi * n[mu] / geom_.extent(mu);
  return p;
}

int ScalarFieldObservables::half_grid_multiplicity(index_t k) const {
  const auto n = half_grid_mode(k);
  const int L = geom_.extent(geom_.dim() - 1);
  const int last = n[geom_.dim() - 1];
  return (last == 0 || 2 * last == L) ? 1 : 2;
}

index_t ScalarFieldObservables::half_grid_index(const std::array<int, kMaxDim>& n_in) const {
  const int d = geom_.dim();
  std::array<int, kMaxDim> n{0, 0, 0, 0};
  for (int mu = 0; mu < d; ++mu) {
    const int L = geom_.extent(mu);
    n[mu] = ((n_in[mu] % L) + L) % L;
  }
  const int L_last = geom_.extent(d - 1);
  if (n[d - 1] > L_last / 2)  // the other half: use -n
    for (int mu = 0; mu < d; ++mu) {
      const int L = geom_.extent(mu);
      n[mu] = (L - n[mu]) % L;
    }
  index_t k = 0;
  for (int mu = 0; mu < d; ++mu) {
    const int len = mu == d - 1 ? L_last / 2 + 1 : geom_.extent(mu);
    k = k * len + n[mu];
  }
  return k;
}

// ---- measurements -------------------------------------------------------------

void ScalarFieldObservables::check(const Field& phi, index_t n) const {
  if (n < 0 || n > max_batch_)
    throw RuntimeFailure("ScalarFieldObservables: batch of " + std::to_string(n) +
                         " configurations, at most " + std::to_string(max_batch_) + " planned");
  if (index_t(phi.extent(0)) < n || index_t(phi.extent(1)) != volume_)
    throw RuntimeFailure("ScalarFieldObservables: field of shape [" +
                         std::to_string(phi.extent(0)) + "][" + std::to_string(phi.extent(1)) +
                         "] for " + std::to_string(n) + " configurations of " +
                         std::to_string(volume_) + " sites");
}

void ScalarFieldObservables::transform(const Field& phi, index_t n) {
  const index_t V = volume_, Vh = half_volume_, slots = fft_.howmany();
  if (n == 0) return;
  // The batch into the FFTW buffer in one copy (contiguous rows 0..n-1).
  HostMatrix rbuf(fft_.real(), slots, V);
  const auto rows = std::make_pair(index_t(0), n);
  const ExecSpace space = exec_space();  // one thread for small runs (chain_run.cpp)
  Kokkos::deep_copy(space, Kokkos::subview(rbuf, rows, Kokkos::ALL),
                    Kokkos::subview(phi, rows, Kokkos::ALL));
  space.fence();
  if (n < slots) std::memset(fft_.real(n), 0, sizeof(double) * std::size_t((slots - n) * V));

  fft_.forward();
  // |phi~|^2 kept; the complex buffer becomes G~ = |phi~|^2 / V (real). Slots
  // n.. hold the transform of zeros, i.e. zeros, already.
  const double inv_V = 1.0 / double(V);
  for (index_t b = 0; b < n; ++b) {
    fftw_complex* c = fft_.complex(b);
    double* pw = power_.data() + b * Vh;
    for (index_t k = 0; k < Vh; ++k) {
      const double p2 = c[k][0] * c[k][0] + c[k][1] * c[k][1];
      pw[k] = p2;
      c[k][0] = p2 * inv_V;
      c[k][1] = 0.0;
    }
  }
  fft_.backward();  // real buffer = V G(x)
  for (index_t b = 0; b < n; ++b) {
    const double* r = fft_.real(b);
    double* g = g_.data() + b * V;
    for (index_t x = 0; x < V; ++x) g[x] = r[x] * inv_V;
  }
}

std::vector<double> ScalarFieldObservables::two_point(const Field& phi, index_t n) {
  check(phi, n);
  transform(phi, n);
  return std::vector<double>(g_.begin(), g_.begin() + n * volume_);
}

std::vector<double> ScalarFieldObservables::power_spectrum(const Field& phi, index_t n) {
  check(phi, n);
  transform(phi, n);
  return std::vector<double>(power_.begin(), power_.begin() + n * half_volume_);
}

void ScalarFieldObservables::measure(const Field& phi, index_t n, const BatchScalar& action,
                                     Measurement& out) {
  check(phi, n);
  if (index_t(action.extent(0)) < n)
    throw RuntimeFailure("ScalarFieldObservables: action of " + std::to_string(action.extent(0)) +
                         " configurations for a batch of " + std::to_string(n));
  const index_t V = volume_, Vh = half_volume_;
  const index_t L0 = geom_.extent(0), slice = V / L0;
  // Sizes as in scalar_names() / corr_layout(), without building those lists
  // (a call allocates nothing once `out` has its sizes).
  out.scalars.resize(kNumScalars);
  out.corrs.resize(1);
  for (auto& s : out.scalars) s.resize(std::size_t(n));
  out.corrs[0].resize(std::size_t(n * L0));
  if (n == 0) return;

  // Device: sum phi and sum phi^2 per configuration.
  {
    const Field f = phi;
    batch_sum("observables.sum_phi", n, V, sum_phi_,
              KOKKOS_LAMBDA(const index_t b, const index_t x) { return f(b, x); });
    batch_sum("observables.sum_phi2", n, V, sum_phi2_,
              KOKKOS_LAMBDA(const index_t b, const index_t x) { return f(b, x) * f(b, x); });
  }
  const auto rows = std::make_pair(index_t(0), n);
  Kokkos::deep_copy(Kokkos::subview(sum_phi_host_, rows), Kokkos::subview(sum_phi_, rows));
  Kokkos::deep_copy(Kokkos::subview(sum_phi2_host_, rows), Kokkos::subview(sum_phi2_, rows));
  Kokkos::deep_copy(Kokkos::subview(action_host_, rows), Kokkos::subview(action, rows));

  transform(phi, n);

  const double inv_V = 1.0 / double(V);
  const int d = geom_.dim();
  auto& C = out.corrs[0];
  for (index_t b = 0; b < n; ++b) {
    const double M = sum_phi_host_(b);
    const double* g = g_.data() + b * V;
    const double* pw = power_.data() + b * Vh;
    double E = 0;
    for (int mu = 0; mu < d; ++mu) E += g[unit_sites_[mu]];
    double gp1 = 0;
    for (index_t k : p1_indices_) gp1 += pw[k];
    out.scalars[0][b] = M;
    out.scalars[1][b] = std::abs(M);
    out.scalars[2][b] = M * M;
    out.scalars[3][b] = sum_phi2_host_(b) * inv_V;
    out.scalars[4][b] = action_host_(b) * inv_V;
    out.scalars[5][b] = M * M * inv_V;
    out.scalars[6][b] = E / d;
    out.scalars[7][b] = gp1 * inv_V / double(p1_indices_.size());
    for (index_t t = 0; t < L0; ++t) {
      double s = 0;
      for (index_t x = t * slice; x < (t + 1) * slice; ++x) s += g[x];
      C[b * L0 + t] = s;
    }
  }
}

}  // namespace flowlat
