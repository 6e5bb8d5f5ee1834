// Molecular-dynamics integrators for HMC: leapfrog and the 2nd-order
// minimum-norm (Omelyan) scheme, written as kick/drift sequences.
#pragma once
#include <string>
#include <vector>

#include "flowlat/core/types.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat {

enum class IntegratorKind { Leapfrog, Omelyan };
IntegratorKind integrator_from_name(const std::string& name);

// Omelyan, Mryglod, Folk (2003) 2nd-order minimum-norm parameter.
inline constexpr double kOmelyanLambda = 0.1931833275037836;

// `steps` integrator steps of size eps = trajectory_length / steps: the
// nominal trajectory. integrate() runs one of any length with steps of at
// most eps, so a randomised length never costs acceptance.
class MdIntegrator {
 public:
  MdIntegrator(IntegratorKind kind, int steps, double trajectory_length);
  // Integrates Hamilton's equations for H = p^2/2 + S(phi) over MD time
  // `length` (the nominal trajectory_length when <= 0) for configurations
  // 0..n-1, in steps_for(length) equal steps. `force` is scratch of phi's shape.
  void integrate(const Theory& theory, const Field& phi, const Field& p, const Field& force,
                 index_t n, double length = 0) const;
  // Steps of a trajectory of this length: the fewest with a step <= eps.
  int steps_for(double length) const;
  // Force evaluations of a trajectory of `steps` steps (nominal when <= 0).
  int force_evaluations(int steps = 0) const;
  int steps() const { return steps_; }
  double trajectory_length() const { return length_; }

 private:
  struct Substep {
    bool kick;     // p -= coef * eps * dS/dphi, else phi += coef * eps * p
    double coef;
  };
  std::vector<Substep> step_;  // one integrator step; a step's closing kick
                               // merges with the next step's opening kick
  int steps_;
  double length_, eps_;
};

}  // namespace flowlat
