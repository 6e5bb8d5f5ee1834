// Integrator schedules: consecutive kicks of adjacent steps are merged so each
// step costs one (leapfrog) or two (Omelyan) force evaluations.
#include "flowlat/mcmc/md_integrator.hpp"

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/error.hpp"

namespace flowlat {

IntegratorKind integrator_from_name(const std::string& name) {
  if (name == "leapfrog") return IntegratorKind::Leapfrog;
  if (name == "omelyan") return IntegratorKind::Omelyan;
  throw InputError("hmc.integrator: unknown integrator '" + name + "'");
}

MdIntegrator::MdIntegrator(IntegratorKind kind, int steps, double trajectory_length)
    : eps_(trajectory_length / steps) {
  std::vector<Substep> raw;
  for (int s = 0; s < steps; ++s) {
    if (kind == IntegratorKind::Leapfrog) {
      raw.insert(raw.end(), {{true, 0.5}, {false, 1.0}, {true, 0.5}});
    } else {
      const double l = kOmelyanLambda;
      raw.insert(raw.end(),
                 {{true, l}, {false, 0.5}, {true, 1 - 2 * l}, {false, 0.5}, {true, l}});
    }
  }
  for (const auto& sub : raw) {
    if (!schedule_.empty() && sub.kick && schedule_.back().kick)
      schedule_.back().coef += sub.coef;
    else
      schedule_.push_back(sub);
  }
}

int MdIntegrator::force_evaluations() const {
  int n = 0;
  for (const auto& s : schedule_) n += s.kick;
  return n;
}

void MdIntegrator::integrate(const Theory& theory, const Field& phi, const Field& p,
                             const Field& force, index_t n, double length_scale) const {
  const index_t dof = theory.dof();
  const auto range = batch_site_policy(n, dof);
  for (const auto& sub : schedule_) {
    const real_t h = sub.coef * eps_ * length_scale;
    if (sub.kick) {
      theory.force(phi, n, force);
      Kokkos::parallel_for(
          "md.kick", range,
          KOKKOS_LAMBDA(index_t b, index_t x) { p(b, x) -= h * force(b, x); });
    } else {
      Kokkos::parallel_for(
          "md.drift", range,
          KOKKOS_LAMBDA(index_t b, index_t x) { phi(b, x) += h * p(b, x); });
    }
  }
}

}  // namespace flowlat
