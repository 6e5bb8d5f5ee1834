// One block of the independence chain of `flowlat sample`, decided from the
// proposals' log-weights alone. The decisions need no configuration, so every
// rank makes them identically (the log-weights are on every rank); the result
// also says which proposals of the block the chain keeps, so that only those
// configurations travel to the rank that writes the chain.
#pragma once
#include <cstdint>
#include <vector>

#include "flowlat/mcmc/flow_metropolis.hpp"

namespace flowlat {

// One production element of the chain: proposal `proposal` was offered.
struct ChainElement {
  std::int64_t proposal = 0;
  double log_w = 0;
  bool accept = false;
  std::int64_t state = -1;  // the proposal the chain is in after the offer (-1: not started)
  double state_log_w = 0;
  long long non_finite = 0;  // the chain's count of non-finite log-weights after the offer
  bool saved = false;       // its configuration and observables go into the file
};

struct ChainBlock {
  std::int64_t first = 0;                // proposal id of the block's first proposal
  std::int64_t state_before = -1;        // the state the block starts in (carried over)
  std::int64_t state_after = -1;         // the state it ends in
  std::vector<ChainElement> production;  // the production elements, in chain order
  // Proposals of this block the chain needs the configuration of, ascending:
  // every state of a production element (what a saved element shows, or a
  // flush writes as the chain state) and the state the block ends in.
  std::vector<std::int64_t> kept;
  std::vector<bool> measured;  // kept[k] is the state of a saved element
  // Index into `kept` of a proposal of this block, -1 for one before it.
  std::int64_t kept_index(std::int64_t proposal) const;
};

// Offers proposals from_element .. to_element - 1 of the block starting at
// proposal `first` (log_w[i]: proposal first + i) to `chain`. Chain element e
// offers proposal e; elements before `thermalization` are not recorded, and
// production element e is saved when (e - thermalization + 1) % save_every == 0.
ChainBlock decide_block(IndependenceChain& chain, std::int64_t first, std::int64_t from_element,
                        std::int64_t to_element, const std::vector<double>& log_w,
                        std::int64_t thermalization, std::int64_t save_every);

}  // namespace flowlat
