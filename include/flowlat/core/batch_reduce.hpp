// The shared per-configuration reduction: out(b) = sum_i f(b, i) for every
// configuration b of a batch, one team per configuration, on the current
// instance (exec_space.hpp).
#pragma once
#include <string>

#include "flowlat/core/exec_space.hpp"
#include "flowlat/core/types.hpp"

namespace flowlat {

template <class Term>
void batch_sum(const std::string& label, index_t n_batch, index_t n_terms, const BatchScalar& out,
               const Term& term) {
  using Policy = Kokkos::TeamPolicy<ExecSpace>;
  using Member = Policy::member_type;
  Kokkos::parallel_for(
      label, Policy(exec_space(), n_batch, Kokkos::AUTO), KOKKOS_LAMBDA(const Member& team) {
        const index_t b = team.league_rank();
        real_t sum = 0;
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(team, n_terms),
            [&](const index_t i, real_t& acc) { acc += term(b, i); }, sum);
        Kokkos::single(Kokkos::PerTeam(team), [&]() { out(b) = sum; });
      });
}

}  // namespace flowlat
