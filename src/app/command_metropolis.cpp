// `flowlat metropolis`: independent chains of the theory's local update
// (phi4: checkerboard Metropolis).
#include "chain_run.hpp"
#include "flowlat/mcmc/chain_update.hpp"

namespace flowlat {

int command_metropolis(const MpiContext& mpi, const Invocation& inv) {
  const Config config = Config::load(inv.config_path, inv.overrides);
  const Geometry geometry(config.get_int_list("lattice.shape"));
  const auto theory = make_theory(config, geometry);
  const ChainRange local = mpi.split(config.get_int("metropolis.chains"));
  const auto update = theory->local_update(config, std::uint64_t(config.get_int("run.seed")),
                                           local.begin, std::max<index_t>(local.count, 1));
  const OutputLock lock = prepare_output(mpi, config);
  return run_chains(mpi, config, inv, ChainRunKeys{"metropolis", "metropolis.sweeps", "sweep"},
                    *theory, *update, local);
}

}  // namespace flowlat
