// `flowlat hybrid`: independent chains that alternate an HMC trajectory with
// flow independence-MH proposals (mcmc/hybrid_update.hpp), spread over the
// ranks like `hmc`, written by the shared chain driver.
#include "chain_run.hpp"
#include "model_record.hpp"
#include "flowlat/flow/flow_config.hpp"
#include "flowlat/io/model_file.hpp"
#include "flowlat/mcmc/hmc_settings.hpp"
#include "flowlat/mcmc/hybrid_update.hpp"

namespace flowlat {

int command_hybrid(const MpiContext& mpi, const Invocation& inv) {
  const Config config = Config::load(inv.config_path, inv.overrides);
  const Geometry geometry(config.get_int_list("lattice.shape"));
  const auto theory = make_theory(config, geometry);
  const std::string model_path = config.get_string("flow.model");
  const ModelFileContents model = read_model_file(model_path);
  check_model_matches(model, config, model_path, config.get_bool("hybrid.transfer"));
  const OutputLock lock = prepare_output(mpi, config, "run.output", {"flow.model"});

  const ChainRange local = mpi.split(config.get_int("hybrid.chains"));
  const index_t capacity = std::max<index_t>(local.count, 1);
  const std::uint64_t seed = std::uint64_t(config.get_int("run.seed"));
  const HmcSettings settings = hmc_settings(config);
  Hmc hmc(*theory, settings.integrator, seed, local.begin, capacity, settings.lengths);
  Flow flow(*theory, architecture_for_run(model.architecture, config), capacity);
  restore_model(model, flow, nullptr);
  HybridUpdate hybrid(*theory, hmc, flow, int(config.get_int("hybrid.flow_proposals")), seed,
                      local.begin, capacity);
  // the hmc.* keys of the trajectory and the flow.* keys of the model define
  // the chains too; hmc's own counts and the model's path do not (its hash does)
  const ChainRunKeys keys{
      "hybrid",
      "hybrid.trajectories",
      "traj",
      {"hmc", "flow"},
      {"hmc.trajectories", "hmc.thermalization", "hmc.save_every", "hmc.chains", "flow.model"}};
  return run_chains(mpi, config, inv, keys, *theory, hybrid, local, model_record(model, false));
}

}  // namespace flowlat
