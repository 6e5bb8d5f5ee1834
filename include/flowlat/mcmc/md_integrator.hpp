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

class MdIntegrator {
 public:
  MdIntegrator(IntegratorKind kind, int steps, double trajectory_length);
  // Integrates Hamilton's equations for H = p^2/2 + S(phi) over one
  // trajectory for configurations 0..n-1. `force` is scratch of phi's shape.
  // length_scale multiplies the step size (randomised trajectory lengths).
  void integrate(const Theory& theory, const Field& phi, const Field& p, const Field& force,
                 index_t n, double length_scale = 1.0) const;
  // Force evaluations per trajectory (for benchmarks and cost reports).
  int force_evaluations() const;

 private:
  struct Substep {
    bool kick;     // p -= coef * eps * dS/dphi, else phi += coef * eps * p
    double coef;
  };
  std::vector<Substep> schedule_;
  double eps_;
};

}  // namespace flowlat
