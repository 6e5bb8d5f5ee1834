// Checkerboard single-site Metropolis for phi^4: an independent cross-check
// of HMC and a baseline. Sites of one parity are updated in parallel.
#pragma once
#include <cstdint>

#include "flowlat/mcmc/chain_update.hpp"
#include "flowlat/theory/phi4/phi4.hpp"

namespace flowlat {

class LocalMetropolis final : public ChainUpdate {
 public:
  // Throws InputError (lattice.shape) if an extent is odd: the checkerboard
  // decomposition then has neighbours of equal parity.
  LocalMetropolis(const Phi4& theory, double step_size, int hits, std::uint64_t seed,
                  std::int64_t first_chain, index_t capacity);

  std::vector<std::string> record_reals() const override { return {"acceptance"}; }
  std::vector<std::string> record_flags() const override { return {}; }
  // One sweep (even then odd sites, `hits` proposals each); reals[0] = the
  // fraction of accepted proposals of the sweep.
  void update(const Field& phi, index_t n, std::uint32_t sweep,
              const std::vector<BatchScalar>& reals, const std::vector<BatchFlags>& flags) override;

 private:
  const Phi4& theory_;
  double step_size_;
  int hits_;
  std::uint64_t seed_;
  std::int64_t first_chain_;
  Kokkos::View<int*, MemSpace> accepted_;
};

}  // namespace flowlat
