// `flowlat metropolis`: independent checkerboard Metropolis chains (phi^4).
#include "chain_run.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/mcmc/local_metropolis.hpp"

namespace flowlat {

int command_metropolis(const MpiContext& mpi, const Invocation& inv) {
  const Config config = Config::load(inv.config_path, inv.overrides);
  const Geometry geometry(config.get_int_list("lattice.shape"));
  const auto theory = make_theory(config, geometry);
  const auto* phi4 = dynamic_cast<const Phi4*>(theory.get());
  if (!phi4)
    throw InputError("theory.name: the local Metropolis sampler exists for phi4 only, got '" +
                     theory->name() + "'");
  const ChainRange local = mpi.split(config.get_int("metropolis.chains"));
  LocalMetropolis metropolis(*phi4, config.get_real("metropolis.step_size"),
                             int(config.get_int("metropolis.hits")),
                             std::uint64_t(config.get_int("run.seed")), local.begin,
                             std::max<index_t>(local.count, 1));
  const OutputLock lock = prepare_output(mpi, config);
  return run_chains(mpi, config, inv, ChainRunKeys{"metropolis", "metropolis.sweeps", "sweep"}, *theory,
             metropolis, local);
}

}  // namespace flowlat
