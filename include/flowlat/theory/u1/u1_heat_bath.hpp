// The local update of U(1): a heat-bath sweep over all links, each drawn
// exactly from its conditional distribution exp(beta K cos(theta + phi)) (a
// von Mises distribution, Best & Fisher's rejection method), followed by
// `overrelaxation` microcanonical sweeps theta -> -2 phi - theta. Links of
// one direction on sites of one parity share no plaquette, so each such set
// is updated in parallel (every extent must be even).
#pragma once
#include <cstdint>

#include "flowlat/mcmc/chain_update.hpp"
#include "flowlat/theory/u1/u1.hpp"

namespace flowlat {

class U1HeatBath final : public ChainUpdate {
 public:
  // InputError (lattice.shape) if an extent is odd.
  U1HeatBath(const U1& theory, int overrelaxation, std::uint64_t seed, std::int64_t first_chain,
             index_t capacity);

  // trials_per_link: rejection-sampling trials per heat-bath link (>= 1).
  std::vector<std::string> record_reals() const override { return {"trials_per_link"}; }
  std::vector<std::string> record_flags() const override { return {}; }
  void update(const Field& theta, index_t n, std::uint32_t sweep,
              const std::vector<BatchScalar>& reals, const std::vector<BatchFlags>& flags) override;

  // One pass over the links of direction mu and parity p: heat bath
  // (overrelax = false) or over-relaxation. Public: device lambdas (nvcc).
  void half_sweep(const Field& theta, index_t n, std::uint32_t sweep, int mu, int parity,
                  bool overrelax);

 private:
  const U1& theory_;
  int overrelaxation_;
  std::uint64_t seed_;
  std::int64_t first_chain_;
  Kokkos::View<index_t*, MemSpace> trials_;
};

}  // namespace flowlat
