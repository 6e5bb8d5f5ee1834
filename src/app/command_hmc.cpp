// `flowlat hmc`: independent HMC chains of the configured theory.
#include "chain_run.hpp"
#include "flowlat/mcmc/hmc.hpp"

namespace flowlat {

int command_hmc(const MpiContext& mpi, const Invocation& inv) {
  const Config config = Config::load(inv.config_path, inv.overrides);
  const Geometry geometry(config.get_int_list("lattice.shape"));
  const auto theory = make_theory(config, geometry);
  const OutputLock lock = prepare_output(mpi, config);
  const ChainRange local = mpi.split(config.get_int("hmc.chains"));
  const MdIntegrator integrator(integrator_from_name(config.get_string("hmc.integrator")),
                                int(config.get_int("hmc.steps")),
                                config.get_real("hmc.trajectory_length"));
  Hmc hmc(*theory, integrator, std::uint64_t(config.get_int("run.seed")), local.begin,
          std::max<index_t>(local.count, 1), config.get_real("hmc.length_jitter"));
  run_chains(mpi, config, inv, ChainRunKeys{"hmc", "hmc.trajectories", "traj"}, *theory, hmc,
             local);
  return 0;
}

}  // namespace flowlat
