// Hybrid Monte Carlo for a batch of independent chains: Gaussian momenta,
// an MD trajectory, and a Metropolis test on dH per chain.
#pragma once
#include <cstdint>
#include <string>

#include "flowlat/core/exec_space.hpp"
#include "flowlat/core/philox.hpp"
#include "flowlat/mcmc/chain_update.hpp"
#include "flowlat/mcmc/md_integrator.hpp"

namespace flowlat {

// How long each trajectory is. A fixed length tau is not ergodic: a Gaussian
// mode with omega tau near k pi is reflected, not refreshed, by every
// trajectory (PHYSICS.md, "HMC pitfalls"). Uniform: tau' uniform on (0, 2 tau]
// (mean tau; Mackenzie, PLB 226 (1989) 369), integrated in ceil(tau'/eps)
// steps of at most the nominal eps = tau / hmc.steps, so acceptance is never
// worse than the fixed length's and the mean cost is hmc.steps + 1/2 steps.
enum class LengthDistribution { Uniform, Fixed };
LengthDistribution length_distribution_from_name(const std::string& name);

class Hmc final : public ChainUpdate {
 public:
  // Chains 0..capacity-1 of the fields passed to update() are global chains
  // first_chain, first_chain+1, ...; each draws from its own RNG stream.
  // Trajectory t has the same length in every chain (one draw per
  // trajectory, independent of the rank count).
  Hmc(const Theory& theory, const MdIntegrator& integrator, std::uint64_t seed,
      std::int64_t first_chain, index_t capacity,
      LengthDistribution lengths = LengthDistribution::Uniform);

  std::vector<std::string> record_reals() const override { return {"dH"}; }
  std::vector<std::string> record_flags() const override { return {"accept"}; }
  // reals[0] = dH = H_end - H_start, flags[0] = 1 if accepted.
  void update(const Field& phi, index_t n, std::uint32_t trajectory,
              const std::vector<BatchScalar>& reals, const std::vector<BatchFlags>& flags) override;

  // The pieces, public for tests: momenta of a trajectory, and H = p^2/2 + S.
  void draw_momenta(const Field& p, index_t n, std::uint32_t trajectory) const;
  void hamiltonian(const Field& phi, const Field& p, index_t n, const BatchScalar& H) const;
  // MD time of trajectory `trajectory`.
  double trajectory_length(std::uint32_t trajectory) const;
  const MdIntegrator& integrator() const { return integrator_; }

 private:
  const Theory& theory_;
  MdIntegrator integrator_;
  std::uint64_t seed_;
  std::int64_t first_chain_;
  LengthDistribution lengths_;
  Field phi_old_, p_, force_;
  BatchScalar h_start_, h_end_, scratch_;
  // small trajectories run on one thread (core/exec_space.hpp)
  SmallWorkSpace small_work_;
};

}  // namespace flowlat
