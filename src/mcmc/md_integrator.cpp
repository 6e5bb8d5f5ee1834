// Integrator schedules: consecutive kicks of adjacent steps are merged so each
// step costs one (leapfrog) or two (Omelyan) force evaluations.
#include "flowlat/mcmc/md_integrator.hpp"

#include <algorithm>
#include <cmath>

#include "flowlat/core/batch_policy.hpp"
#include "flowlat/core/error.hpp"

namespace flowlat {

IntegratorKind integrator_from_name(const std::string& name) {
  if (name == "leapfrog") return IntegratorKind::Leapfrog;
  if (name == "omelyan") return IntegratorKind::Omelyan;
  throw InputError("hmc.integrator: unknown integrator '" + name + "'");
}

MdIntegrator::MdIntegrator(IntegratorKind kind, int steps, double trajectory_length)
    : steps_(steps), length_(trajectory_length), eps_(trajectory_length / steps) {
  if (kind == IntegratorKind::Leapfrog) {
    step_ = {{true, 0.5}, {false, 1.0}, {true, 0.5}};
  } else {
    const double l = kOmelyanLambda;
    step_ = {{true, l}, {false, 0.5}, {true, 1 - 2 * l}, {false, 0.5}, {true, l}};
  }
}

int MdIntegrator::steps_for(double length) const {
  if (length <= 0) return steps_;
  // the tolerance keeps length = k eps at k steps despite rounding
  return std::max(1, int(std::ceil(length / eps_ * (1 - 1e-12))));
}

int MdIntegrator::force_evaluations(int steps) const {
  if (steps <= 0) steps = steps_;
  int kicks = 0;
  for (const auto& s : step_) kicks += s.kick;
  return (kicks - 1) * steps + 1;  // merged kicks between steps
}

void MdIntegrator::integrate(const Theory& theory, const Field& phi, const Field& p,
                             const Field& force, index_t n, double length) const {
  if (length <= 0) length = length_;
  const int steps = steps_for(length);
  const double eps = length / steps;  // the nominal eps_ exactly when length = length_
  // p -= coef eps F (the theory may fuse force and update; `force` is its scratch)
  auto kick = [&](double coef) { theory.kick(phi, p, real_t(coef * eps), n, force); };
  double pending = 0;  // kick coefficient not applied yet (merged across steps)
  bool have_pending = false;
  for (int s = 0; s < steps; ++s) {
    for (const auto& sub : step_) {
      if (sub.kick) {
        pending = have_pending ? pending + sub.coef : sub.coef;
        have_pending = true;
        continue;
      }
      if (have_pending) kick(pending);
      have_pending = false;
      theory.drift(phi, p, sub.coef * eps, n);
    }
  }
  if (have_pending) kick(pending);
}

}  // namespace flowlat
