// decide_block: the accept/reject decisions of one block, and the proposals
// the chain keeps from it.
#include "flowlat/mcmc/chain_block.hpp"

#include <algorithm>

namespace flowlat {

std::int64_t ChainBlock::kept_index(std::int64_t proposal) const {
  if (proposal < first) return -1;
  const auto at = std::lower_bound(kept.begin(), kept.end(), proposal);
  return at != kept.end() && *at == proposal ? std::int64_t(at - kept.begin()) : -1;
}

ChainBlock decide_block(IndependenceChain& chain, std::int64_t first, std::int64_t from_element,
                        std::int64_t to_element, const std::vector<double>& log_w,
                        std::int64_t thermalization, std::int64_t save_every) {
  ChainBlock block;
  block.first = first;
  block.state_before = chain.state();
  std::vector<std::int64_t> needed, saved;  // in chain order, with repeats
  for (std::int64_t e = from_element; e < to_element; ++e) {
    const double w = log_w[std::size_t(e - first)];
    const bool accept = chain.offer(e, w);
    if (e < thermalization) continue;
    ChainElement element;
    element.proposal = e;
    element.log_w = w;
    element.accept = accept;
    element.state = chain.state();
    element.state_log_w = chain.state_log_w();
    element.non_finite = chain.non_finite();
    element.saved = (e - thermalization + 1) % save_every == 0;
    block.production.push_back(element);
    if (element.state >= first) {
      needed.push_back(element.state);
      if (element.saved) saved.push_back(element.state);
    }
  }
  block.state_after = chain.state();
  if (block.state_after >= first) needed.push_back(block.state_after);
  // states only ever move forward, so both lists are already ascending
  needed.erase(std::unique(needed.begin(), needed.end()), needed.end());
  saved.erase(std::unique(saved.begin(), saved.end()), saved.end());
  block.kept = needed;
  block.measured.assign(needed.size(), false);
  for (std::int64_t s : saved) block.measured[std::size_t(block.kept_index(s))] = true;
  return block;
}

}  // namespace flowlat
