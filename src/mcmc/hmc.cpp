// HMC trajectory: draw p, integrate, accept or restore, per chain.
#include "flowlat/mcmc/hmc.hpp"

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/batch_reduce.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/exec_space.hpp"
#include "flowlat/core/math.hpp"

namespace flowlat {

Hmc::Hmc(const Theory& theory, const MdIntegrator& integrator, std::uint64_t seed,
         std::int64_t first_chain, index_t capacity, LengthDistribution lengths)
    : theory_(theory),
      integrator_(integrator),
      seed_(seed),
      first_chain_(first_chain),
      lengths_(lengths),
      phi_old_("hmc.phi_old", capacity, theory.dof()),
      p_("hmc.momentum", capacity, theory.dof()),
      force_("hmc.force", capacity, theory.dof()),
      h_start_("hmc.h_start", capacity),
      h_end_("hmc.h_end", capacity),
      scratch_("hmc.scratch", capacity) {}

void Hmc::draw_momenta(const Field& p, index_t n, std::uint32_t trajectory) const {
  // element x of chain b is normal x of (HmcMomentum, trajectory) on the
  // chain's stream, drawn in blocks so Box-Muller vectorises
  const index_t dof = theory_.dof();
  constexpr int kBlock = CounterRng::kNormalBlock;
  const std::uint64_t seed = seed_;
  const std::int64_t first = first_chain_;
  Kokkos::parallel_for(
      "hmc.momenta", batch_site_policy(n, (dof + kBlock - 1) / kBlock),
      KOKKOS_LAMBDA(index_t b, index_t block) {
        const index_t x0 = block * kBlock;
        const int count = int(dof - x0 < kBlock ? dof - x0 : kBlock);
        CounterRng(seed, std::uint32_t(first + b))
            .normals(RandomPurpose::HmcMomentum, trajectory, std::uint64_t(x0), count, &p(b, x0));
      });
}

LengthDistribution length_distribution_from_name(const std::string& name) {
  if (name == "uniform") return LengthDistribution::Uniform;
  if (name == "fixed") return LengthDistribution::Fixed;
  throw InputError("hmc.length_distribution: unknown distribution '" + name + "'");
}

double Hmc::trajectory_length(std::uint32_t trajectory) const {
  const double tau = integrator_.trajectory_length();
  if (lengths_ == LengthDistribution::Fixed) return tau;
  // one draw per trajectory from a stream no chain uses, identical on every rank
  double u, unused;
  CounterRng(seed_, 0xFFFFFFFFu).uniform2(RandomPurpose::HmcLength, trajectory, 0, u, unused);
  return 2 * tau * (1 - u);  // u in (0, 1): length in (0, 2 tau)
}

void Hmc::hamiltonian(const Field& phi, const Field& p, index_t n, const BatchScalar& H) const {
  theory_.action(phi, n, H);
  const BatchScalar kinetic = scratch_;
  batch_sum("hmc.kinetic", n, theory_.dof(), kinetic,
            KOKKOS_LAMBDA(index_t b, index_t x) { return 0.5 * p(b, x) * p(b, x); });
  Kokkos::parallel_for(
      "hmc.add_kinetic", Kokkos::RangePolicy<ExecSpace>(exec_space(), 0, n),
      KOKKOS_LAMBDA(index_t b) { H(b) += kinetic(b); });
}

void Hmc::update(const Field& phi, index_t n, std::uint32_t trajectory,
                 const std::vector<BatchScalar>& reals, const std::vector<BatchFlags>& flags) {
  // Small trajectories run on one thread: their kernels are too short to
  // pay for the pool's fork/join (bits are the same either way).
  const ExecSpaceScope scope(small_work_.for_work(n * theory_.dof()));
  const auto phi_old = phi_old_;
  const auto p = p_;
  Kokkos::deep_copy(exec_space(), phi_old, phi);
  draw_momenta(p, n, trajectory);
  hamiltonian(phi, p, n, h_start_);
  integrator_.integrate(theory_, phi, p, force_, n, trajectory_length(trajectory));
  hamiltonian(phi, p, n, h_end_);

  const auto h0 = h_start_, h1 = h_end_;
  const BatchScalar dH = reals[0];
  const BatchFlags accept = flags[0];
  const std::uint64_t seed = seed_;
  const std::int64_t first = first_chain_;
  Kokkos::parallel_for(
      "hmc.metropolis", Kokkos::RangePolicy<ExecSpace>(exec_space(), 0, n),
      KOKKOS_LAMBDA(index_t b) {
        const real_t delta = h1(b) - h0(b);
        real_t u, unused;
        CounterRng(seed, std::uint32_t(first + b))
            .uniform2(RandomPurpose::HmcAccept, trajectory, 0, u, unused);
        dH(b) = delta;
        // delta is NaN after a blown-up trajectory: rejected, never accepted
        accept(b) = (delta <= 0 || u < math::exp(-delta)) ? 1 : 0;
      });
  const index_t dof = theory_.dof();
  Kokkos::parallel_for(
      "hmc.restore_rejected", batch_site_policy(n, dof), KOKKOS_LAMBDA(index_t b, index_t x) {
        if (!accept(b)) phi(b, x) = phi_old(b, x);
      });
}

}  // namespace flowlat
