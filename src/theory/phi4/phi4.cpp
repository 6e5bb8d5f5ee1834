// phi^4 action and force kernels for a batch of configurations.
#include "flowlat/theory/phi4/phi4.hpp"

#include <cmath>

#include "flowlat/core/batch_reduce.hpp"
#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/config.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/math.hpp"
#include "flowlat/flow/affine_coupling.hpp"
#include "flowlat/flow/flow_stack.hpp"
#include "flowlat/lattice/row_neighbours.hpp"
#include "flowlat/observables/scalar_field_observables.hpp"
#include "flowlat/theory/phi4/free_field.hpp"
#include "flowlat/theory/phi4/local_metropolis.hpp"

namespace flowlat {

Phi4::Phi4(const Geometry& geometry, double m2, double lambda)
    : Theory(geometry), m2_(m2), lambda_(lambda) {}

std::vector<std::int64_t> Phi4::field_shape() const {
  return {geometry().extents().begin(), geometry().extents().end()};
}

std::vector<std::pair<std::string, double>> Phi4::couplings() const {
  return {{"m2", m2_}, {"lambda", lambda_}};
}

Phi4SiteAction Phi4::site_action() const {
  return Phi4SiteAction{m2_ + 2.0 * geometry().dim(), lambda_};
}

void Phi4::action(const Field& phi, index_t n, const BatchScalar& S) const {
  const auto fwd = geometry().forward();
  const int d = geometry().dim();
  const Phi4SiteAction site = site_action();
  batch_sum("phi4.action", n, geometry().volume(), S, KOKKOS_LAMBDA(index_t b, index_t x) {
    real_t hop = 0;
    for (int mu = 0; mu < d; ++mu) hop += phi(b, fwd(x, mu));
    const real_t p = phi(b, x);
    return -2 * p * hop + site.local(p);
  });
}

namespace {

// dS/dphi of every site of one row of config b, handed to `out(b, x, dS)`:
// the neighbour sum in the order of the site tables (directions 0..d-1, each
// forward + backward), so the value is the table kernel's bit for bit. Row
// by row: no neighbour tables are read (lattice/row_neighbours.hpp).
// Columns go in chunks through a local array, one direction at a time, so
// every pass is a unit-stride loop the compiler vectorises (the field and
// `out`'s target may alias as far as it knows, the local array cannot); a
// site-at-a-time loop with the wrap and the direction loop inside ran
// scalar at ~4x a drift's cost per site.
template <class Out>
struct Phi4RowForce {
  static constexpr int kChunk = 32;
  Field phi;
  RowNeighbours nb;
  Phi4SiteAction site;
  Out out;

  KOKKOS_INLINE_FUNCTION void operator()(index_t b, index_t row) const {
    index_t fwd[kMaxDim], bwd[kMaxDim];
    const index_t x0 = nb.row_starts(row, fwd, bwd);
    const int L = nb.row_length;
    // the usual short rows whole, with a constant trip count
    if (L == 4) return chunk<4>(b, x0, fwd, bwd, 0, 4);
    if (L == 8) return chunk<8>(b, x0, fwd, bwd, 0, 8);
    if (L == 16) return chunk<16>(b, x0, fwd, bwd, 0, 16);
    int j0 = 0;
    for (; j0 + kChunk <= L; j0 += kChunk) chunk<kChunk>(b, x0, fwd, bwd, j0, kChunk);
    if (j0 < L) chunk<0>(b, x0, fwd, bwd, j0, L - j0);
  }

  // Columns j0 .. j0+m-1; M = m when it is a whole chunk or a short row (a
  // constant trip count: no remainder code), 0 when m is only known at run time.
  template <int M>
  KOKKOS_INLINE_FUNCTION void chunk(index_t b, index_t x0, const index_t* fwd, const index_t* bwd,
                                    int j0, int m_run) const {
    const int m = M > 0 ? M : m_run, d = nb.dim, L = nb.row_length;
    const real_t* here = &phi(b, x0);
    // The row's first and last columns (their neighbours wrap) apart, one
    // site at a time; every pass over the local array then covers the same
    // columns [lo, hi), so its vector loads meet vector stores of the same
    // address (a load straddling two recent stores stalls store forwarding).
    const bool first = j0 == 0, last = j0 + m == L;
    if (first) one_site(b, x0, fwd, bwd, 0);
    if (last && L > 1) one_site(b, x0, fwd, bwd, L - 1);
    const int lo = first ? 1 : 0, hi = last ? m - 1 : m;
    const real_t* row = here + j0;
    if (d == 2) {  // the common case: no local array at all
      const real_t *up = &phi(b, fwd[0] + j0), *down = &phi(b, bwd[0] + j0);
      for (int k = lo; k < hi; ++k)
        out(b, x0 + j0 + k,
            -2 * ((real_t(0) + (up[k] + down[k])) + (row[k + 1] + row[k - 1])) +
                site.local_derivative(row[k]));
      return;
    }
    real_t f[kChunk];
    for (int k = lo; k < hi; ++k) f[k] = 0;
    for (int mu = 0; mu + 1 < d; ++mu) {
      const real_t *up = &phi(b, fwd[mu] + j0), *down = &phi(b, bwd[mu] + j0);
      for (int k = lo; k < hi; ++k) f[k] += up[k] + down[k];
    }
    for (int k = lo; k < hi; ++k)
      f[k] = -2 * (f[k] + (row[k + 1] + row[k - 1])) + site.local_derivative(row[k]);
    for (int k = lo; k < hi; ++k) out(b, x0 + j0 + k, f[k]);
  }

  // Column j alone, the neighbours in the same order.
  KOKKOS_INLINE_FUNCTION void one_site(index_t b, index_t x0, const index_t* fwd, const index_t* bwd,
                                   int j) const {
    real_t nbr = 0;
    for (int mu = 0; mu + 1 < nb.dim; ++mu) nbr += phi(b, fwd[mu] + j) + phi(b, bwd[mu] + j);
    nbr += phi(b, x0 + nb.next(j)) + phi(b, x0 + nb.previous(j));
    out(b, x0 + j, -2 * nbr + site.local_derivative(phi(b, x0 + j)));
  }
};

struct StoreForce {
  Field dS;
  KOKKOS_INLINE_FUNCTION void operator()(index_t b, index_t x, real_t f) const { dS(b, x) = f; }
};

struct KickMomentum {  // p -= h dS, as Theory::kick's default
  Field p;
  real_t h;
  KOKKOS_INLINE_FUNCTION void operator()(index_t b, index_t x, real_t f) const {
    p(b, x) -= h * f;
  }
};

}  // namespace

void Phi4::force(const Field& phi, index_t n, const Field& dS) const {
  const RowNeighbours nb(geometry());
  Kokkos::parallel_for("phi4.force", batch_site_policy(n, nb.rows),
                       Phi4RowForce<StoreForce>{phi, nb, site_action(), StoreForce{dS}});
}

void Phi4::kick(const Field& phi, const Field& p, real_t h, index_t n, const Field&) const {
  const RowNeighbours nb(geometry());
  Kokkos::parallel_for("phi4.kick", batch_site_policy(n, nb.rows),
                       Phi4RowForce<KickMomentum>{phi, nb, site_action(), KickMomentum{p, h}});
}

std::unique_ptr<ObservableSet> Phi4::observables(index_t max_batch) const {
  return std::make_unique<ScalarFieldObservables>(
      geometry(), max_batch, std::vector<std::pair<std::string, double>>{{"M", 0.0}});
}

std::vector<std::pair<std::string, double>> Phi4::exact_expectations() const {
  if (lambda_ != 0 || !(m2_ > 0)) return {};
  const Geometry& g = geometry();
  const double V = double(g.volume());
  // <S> = V/2 (equipartition of a Gaussian); chi_2 = <M^2>/V = 1/(2 m^2)
  // in any volume (the p = 0 mode alone)
  return {{"M2", V * free_field::susceptibility(m2_)},
          {"phi2", free_field::propagator(g, m2_, {})},
          {"action_density", 0.5},
          {"chi2", free_field::susceptibility(m2_)},
          {"E", free_field::ising_energy(g, m2_)}};
}

double Phi4::exact_log_partition_function() const {
  if (lambda_ != 0 || !(m2_ > 0)) return Theory::exact_log_partition_function();
  // S = phi^T (-Laplacian + m^2) phi: ln Z = (V/2) ln pi - 1/2 sum_p ln(p-hat^2 + m^2)
  const Geometry& g = geometry();
  double sum = 0;
  for (index_t k = 0; k < g.volume(); ++k)
    sum += std::log(free_field::p_hat_squared(g, g.coords(k)) + m2_);
  return 0.5 * double(g.volume()) * std::log(math::pi) - 0.5 * sum;
}

std::unique_ptr<ChainUpdate> Phi4::local_update(const Config& config, std::uint64_t seed,
                                                std::int64_t first_chain,
                                                index_t capacity) const {
  return std::make_unique<LocalMetropolis>(*this, config.get_real("metropolis.step_size"),
                                           int(config.get_int("metropolis.hits")), seed,
                                           first_chain, capacity);
}

FlowStack Phi4::flow_stack(const FlowArchitecture& architecture, ParameterStore& store,
                           index_t capacity) const {
  if (architecture.coupling_type != "affine")
    throw InputError("flow.coupling: '" + architecture.coupling_type +
                     "' is not a coupling of phi4 (expected affine)");
  FlowStack stack;
  stack.prior = std::make_unique<NormalPrior>();
  // The couplings run one after another: one workspace for all their convolutions.
  const auto workspace = std::make_shared<ConvWorkspace>();
  const SiteMask masks[2] = {SiteMask::checkerboard(geometry(), 0),
                             SiteMask::checkerboard(geometry(), 1)};
  for (int k = 0; k < architecture.n_layers; ++k)
    stack.layers.push_back(std::make_unique<AffineCoupling>(
        geometry(), masks[k % 2], architecture.coupling, store, "coupling" + std::to_string(k),
        capacity, workspace));
  return stack;
}

}  // namespace flowlat
