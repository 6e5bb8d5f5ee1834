// Independence Metropolis-Hastings with flow proposals: one Markov chain whose
// proposals are generated in parallel on all ranks. Proposal k draws its
// prior sample from RNG stream k and its accept uniform from stream k too, so
// the chain is the same for any number of ranks (DESIGN.md, "MPI").
#pragma once
#include <cstdint>
#include <vector>

#include "flowlat/core/mpi_context.hpp"
#include "flowlat/flow/flow.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat {

// Generates blocks of proposals phi = f(z), z ~ prior, with their log-weights
// w = -S(phi) - log q(phi); this rank computes its contiguous share of a block.
class FlowProposer {
 public:
  FlowProposer(const MpiContext& mpi, Flow& flow, const Theory& theory, std::uint64_t seed,
               index_t block_size);
  // Proposals first .. first+block_size-1. Afterwards every rank holds all
  // log-weights of the block (in proposal order) and its own configurations.
  void propose(std::int64_t first, std::vector<double>& log_w);
  index_t block_size() const { return block_size_; }
  // This rank's share of the last block: proposals first + share().begin, ...
  ChainRange share() const { return share_; }
  const Field& configurations() const { return phi_; }

 private:
  MpiContext mpi_;
  Flow& flow_;
  const Theory& theory_;
  std::uint64_t seed_;
  index_t block_size_;
  ChainRange share_;
  std::vector<int> counts_, displs_;
  Field z_, phi_;
  BatchScalar log_q_, log_w_;
  BatchScalar::HostMirror log_w_host_;  // this rank's log-weights, for the allgather
};

// The accept/reject decisions: plain host arithmetic every rank repeats.
class IndependenceChain {
 public:
  explicit IndependenceChain(std::uint64_t seed) : seed_(seed) {}
  // Offers proposal `id` with log-weight w: accepted with min(1, exp(w - w_state)).
  // The first proposal with a finite w starts the chain; a non-finite w is
  // always rejected (and counted).
  bool offer(std::int64_t id, double log_w);
  std::int64_t state() const { return state_id_; }  // proposal id of the current state
  double state_log_w() const { return state_log_w_; }
  bool started() const { return state_id_ >= 0; }
  long long non_finite() const { return non_finite_; }
  // Continues a chain (run.resume) as it was after some proposals: its state
  // (-1: not started), that state's log-weight and the non-finite count.
  void restore(std::int64_t state_id, double state_log_w, long long non_finite) {
    state_id_ = state_id;
    state_log_w_ = state_log_w;
    non_finite_ = non_finite;
  }

 private:
  std::uint64_t seed_;
  std::int64_t state_id_ = -1;
  double state_log_w_ = 0;
  long long non_finite_ = 0;
};

}  // namespace flowlat
