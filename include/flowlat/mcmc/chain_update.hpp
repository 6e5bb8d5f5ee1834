// The interface of an update of a batch of independent Markov chains (HMC,
// local Metropolis): what it records per chain and step, and the update itself.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "flowlat/core/types.hpp"

namespace flowlat {

class ChainUpdate {
 public:
  virtual ~ChainUpdate() = default;
  // Names of the per-step records (/ensemble/mcmc/<name>).
  virtual std::vector<std::string> record_reals() const = 0;
  virtual std::vector<std::string> record_flags() const = 0;
  // Updates chains 0..n-1 of `field` once; `step` is the global update number
  // (the RNG counter), so a chain's history does not depend on its rank.
  // reals/flags: one device array per record name, filled for chains 0..n-1.
  virtual void update(const Field& field, index_t n, std::uint32_t step,
                      const std::vector<BatchScalar>& reals,
                      const std::vector<BatchFlags>& flags) = 0;
};

}  // namespace flowlat
