// `flowlat hmc`: independent HMC chains of the configured theory.
#include "chain_run.hpp"
#include "flowlat/mcmc/hmc_settings.hpp"

namespace flowlat {

int command_hmc(const MpiContext& mpi, const Invocation& inv) {
  const Config config = Config::load(inv.config_path, inv.overrides);
  const Geometry geometry(config.get_int_list("lattice.shape"));
  const auto theory = make_theory(config, geometry);
  const OutputLock lock = prepare_output(mpi, config);
  const ChainRange local = mpi.split(config.get_int("hmc.chains"));
  const HmcSettings settings = hmc_settings(config);
  Hmc hmc(*theory, settings.integrator, std::uint64_t(config.get_int("run.seed")), local.begin,
          std::max<index_t>(local.count, 1), settings.lengths);
  return run_chains(mpi, config, inv, ChainRunKeys{"hmc", "hmc.trajectories", "traj"}, *theory, hmc,
             local);
}

}  // namespace flowlat
