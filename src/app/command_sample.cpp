// `flowlat sample`: one exact Markov chain by independence Metropolis-Hastings
// with proposals from a trained flow, generated in parallel on all ranks.
#include <cmath>
#include <cstdio>

#include "chain_run.hpp"
#include "flowlat/analysis/gamma_method.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/progress.hpp"
#include "flowlat/flow/flow_config.hpp"
#include "flowlat/io/ensemble_writer.hpp"
#include "flowlat/io/model_file.hpp"
#include "flowlat/mcmc/flow_metropolis.hpp"
#include "flowlat/observables/scalar_field_observables.hpp"

namespace flowlat {

namespace {

// Rank 0 receives every configuration of a block (proposal order).
class BlockGather {
 public:
  BlockGather(const MpiContext& mpi, index_t block, index_t dof) : mpi_(mpi), dof_(dof) {
    for (int r = 0; r < mpi.size(); ++r) {
      const ChainRange c = MpiContext::split(block, r, mpi.size());
      counts_.push_back(int(c.count * dof));
      displs_.push_back(int(c.begin * dof));
    }
    if (mpi.is_root()) all_ = FieldHost("sample.block_configs", block, dof);
  }
  void gather(const Field& mine, index_t n) {
    auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), mine);
    MPI_Gatherv(host.data(), int(n * dof_), MPI_DOUBLE, mpi_.is_root() ? all_.data() : nullptr,
                counts_.data(), displs_.data(), MPI_DOUBLE, 0, mpi_.comm());
  }
  const FieldHost& all() const { return all_; }

 private:
  MpiContext mpi_;
  index_t dof_;
  std::vector<int> counts_, displs_;
  FieldHost all_;
};

}  // namespace

int command_sample(const MpiContext& mpi, const Invocation& inv) {
  const Config config = Config::load(inv.config_path, inv.overrides);
  const Log log(mpi);
  const Geometry geometry(config.get_int_list("lattice.shape"));
  const auto theory = make_theory(config, geometry);
  const std::string model_path = config.get_string("flow.model");
  const ModelFileContents model = read_model_file(model_path);
  check_model_matches(model, config, model_path);

  const index_t block = config.get_int("sample.batch");
  const long long n_prop = config.get_int("sample.proposals");
  const long long therm = config.get_int("sample.thermalization");
  const long long save_every = config.get_int("sample.save_every");
  const long long flush_every = config.get_int("run.flush_every");
  const std::uint64_t seed = std::uint64_t(config.get_int("run.seed"));
  if (double(therm) + double(n_prop) + double(block) > 4294967295.0)
    throw InputError("sample.proposals: with sample.thermalization the chain exceeds 2^32 - 1 "
                     "proposals (32-bit RNG streams)");
  prepare_output(mpi, config, "run.output");

  const ChainRange share = mpi.split(block);
  Flow flow(geometry, model.architecture, std::max<index_t>(share.count, 1));
  restore_model(model, flow, nullptr);
  FlowProposer proposer(mpi, flow, *theory, seed, block);
  IndependenceChain chain(seed);
  BlockGather gather(mpi, block, theory->dof());

  // One chain, written by rank 0 (it gathers the configurations it saves).
  const ChainRange owner = mpi.is_root() ? ChainRange{0, 1} : ChainRange{0, 0};
  EnsembleLayout layout;
  layout.n_chain = 1;
  layout.field_shape = theory->field_shape();
  layout.obs_names = ScalarFieldObservables::scalar_names();
  layout.corr = ScalarFieldObservables::corr_layout(geometry);
  layout.record_reals = {"log_weight", "proposal_id", "state_log_weight"};
  layout.record_flags = {"accept"};
  EnsembleWriter writer(mpi, config.get_string("run.output"), config.get_bool("run.overwrite"),
                        layout, config, inv.command_line, "flow_mh", owner);

  log.info("flowlat sample: " + theory->name() + " on " + geometry.shape_string() + ", model " +
           model_path + " (hash " + model.params_hash + "), " + std::to_string(therm) + " + " +
           std::to_string(n_prop) + " proposals in blocks of " + std::to_string(block) + " on " +
           std::to_string(mpi.size()) + " ranks");

  ScalarFieldObservables observables(geometry, 1);
  Measurement measurement;
  Field one("sample.state", 1, theory->dof());
  auto one_host = Kokkos::create_mirror_view(one);
  BatchScalar one_action("sample.state_action", 1);
  FieldHost state_host("sample.state_host", 1, theory->dof());  // rank 0: current state

  std::vector<double> all_log_w, absM_series;
  long long accepted = 0, element = 0;
  std::vector<double> log_w;
  Progress progress(log, "sample", "prop", therm + n_prop, config.get_real("run.progress_seconds"));
  const std::vector<std::vector<double>> none;
  for (long long first = 0; first < therm + n_prop; first += block) {
    proposer.propose(first, log_w);
    gather.gather(proposer.configurations(), share.count);
    const long long in_block = std::min<long long>(block, therm + n_prop - first);
    for (long long i = 0; i < in_block; ++i, ++element) {
      const std::int64_t id = first + i;
      const bool accept = chain.offer(id, log_w[i]);
      if (accept && mpi.is_root())
        for (index_t x = 0; x < theory->dof(); ++x) state_host(0, x) = gather.all()(i, x);
      if (element < therm) continue;
      all_log_w.push_back(log_w[i]);
      accepted += accept;
      std::vector<std::vector<double>> reals = {{log_w[i]}, {double(chain.state())},
                                                {chain.state_log_w()}};
      std::vector<std::vector<int>> flags = {{accept ? 1 : 0}};
      if (!mpi.is_root()) reals = {{}, {}, {}}, flags = {{}};
      writer.add_record(reals, flags);
      if ((element - therm + 1) % save_every == 0) {
        std::vector<std::vector<double>> obs(layout.obs_names.size()), corr(layout.corr.size());
        if (mpi.is_root()) {
          Kokkos::deep_copy(one, state_host);
          theory->action(one, 1, one_action);
          observables.measure(one, 1, one_action, measurement);
          obs = measurement.scalars;
          corr = measurement.corrs;
          absM_series.push_back(measurement.scalars[1][0]);
        }
        writer.add_saved(state_host, obs, corr);
        if (writer.buffered_saved() >= flush_every) writer.flush();
      }
    }
    char fig[64];
    std::snprintf(fig, sizeof fig, "acc %.3f", element > therm ? double(accepted) / double(element - therm) : 0.0);
    progress.update(first + in_block, fig);
  }
  (void)one_host;

  // Summary: acceptance, ESS/N of all proposals, tau_int of |M| on the chain.
  double w_max = -1e300;
  for (double w : all_log_w) w_max = std::max(w_max, w);
  double s1 = 0, s2 = 0;
  for (double w : all_log_w) {
    const double e = std::exp(w - w_max);
    s1 += e;
    s2 += e * e;
  }
  const double ess = all_log_w.empty() ? 0 : s1 * s1 / (double(all_log_w.size()) * s2);
  const double acceptance = n_prop > 0 ? double(accepted) / double(n_prop) : 0.0;
  std::vector<std::pair<std::string, double>> summary = {{"acceptance", acceptance},
                                                         {"ess_per_sample", ess}};
  std::vector<double> stats(3, 0.0);
  if (mpi.is_root() && !absM_series.empty()) {
    const GammaResult r = gamma_method({absM_series});
    stats = {r.mean, r.error, r.tau_int};
  }
  MPI_Bcast(stats.data(), 3, MPI_DOUBLE, 0, mpi.comm());
  summary.insert(summary.end(), {{"absM", stats[0]}, {"absM_error", stats[1]}, {"absM_tau_int", stats[2]}});
  writer.finish(summary);
  char line[256];
  std::snprintf(line, sizeof line,
                "flowlat sample: acceptance %.4f, ESS/N %.4f (N = %zu), <|M|> = %.6g +- %.3g, "
                "tau_int(|M|) = %.2f (in saved elements)",
                acceptance, ess, all_log_w.size(), stats[0], stats[1], stats[2]);
  log.info(line);
  log.info("  written: " + config.get_string("run.output"));
  return 0;
}

}  // namespace flowlat
