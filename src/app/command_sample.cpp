// `flowlat sample`: one exact Markov chain by independence Metropolis-Hastings
// with proposals from a trained flow, generated in parallel on all ranks.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "chain_run.hpp"
#include "kept_proposals.hpp"
#include "model_record.hpp"
#include "reliability_warnings.hpp"
#include "row_measurer.hpp"
#include "run_resume.hpp"
#include "summary_table.hpp"
#include "flowlat/analysis/chain_diagnostics.hpp"
#include "flowlat/core/comma_list.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/progress.hpp"
#include "flowlat/core/stop_signal.hpp"
#include "flowlat/flow/flow_config.hpp"
#include "flowlat/flow/free_energy.hpp"
#include "flowlat/flow/importance_weights.hpp"
#include "flowlat/io/ensemble_reader.hpp"
#include "flowlat/io/ensemble_writer.hpp"
#include "flowlat/io/h5_attributes.hpp"
#include "flowlat/io/model_file.hpp"
#include "flowlat/mcmc/chain_block.hpp"
#include "flowlat/mcmc/flow_metropolis.hpp"

namespace flowlat {

namespace {

// The chain's state carried from one block into the next, on rank 0 (which
// writes the chain): its configuration (also the /resume field) and its
// measurement, made when a saved element first shows it.
class CarriedState {
 public:
  CarriedState(const Theory& theory, RowMeasurer& measurer)
      : measurer_(measurer),
        config_("sample.state_host", 1, theory.dof()),
        device_("sample.state", 1, theory.dof()),
        measurement_(std::size_t(measurer.width())) {}
  // The configuration ([1][dof]); run.resume reads the stored state into it
  // (not measured yet).
  FieldHost& config() { return config_; }
  // The state is now `config` ([1][dof]), measured as `measurement` (its
  // RowMeasurer row; nullptr: not measured yet).
  void take(const FieldHost& config, const double* measurement) {
    Kokkos::deep_copy(config_, config);
    measured_ = measurement != nullptr;
    if (measured_) std::copy_n(measurement, measurement_.size(), measurement_.begin());
  }
  // Its measurement, made now if no saved element has shown it yet.
  const double* measurement() {
    if (!measured_) {
      Kokkos::deep_copy(device_, config_);
      measurer_.measure(device_, {0}, measurement_.data());
      measured_ = true;
    }
    return measurement_.data();
  }

 private:
  RowMeasurer& measurer_;
  FieldHost config_;
  Field device_;
  std::vector<double> measurement_;
  bool measured_ = false;
};

// Loud lines for a chain whose error estimate cannot be trusted.
std::vector<std::string> sample_warnings(const WeightDiagnostics& w, const LongestStay& stay,
                                         long long non_finite) {
  std::vector<std::string> out;
  for (const std::string& text : {heavy_tail_warning(w), stuck_warning(stay)})
    if (!text.empty()) out.push_back("WARNING: " + text);
  if (!out.empty()) out.push_back("  (train longer, or use hybrid chains: flowlat hybrid)");
  if (non_finite > 0)
    out.push_back("WARNING: " + std::to_string(non_finite) +
                  " proposals had a non-finite log-weight (rejected): the model is unstable");
  return out;
}

// Rank 0's series to every rank.
void broadcast_series(const MpiContext& mpi, std::vector<double>& series) {
  long long n = (long long)series.size();
  MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, mpi.comm());
  series.resize(std::size_t(n));
  if (n > 0) MPI_Bcast(series.data(), int(n), MPI_DOUBLE, 0, mpi.comm());
}

}  // namespace

int command_sample(const MpiContext& mpi, const Invocation& inv) {
  const Config config = Config::load(inv.config_path, inv.overrides);
  const Log log(mpi);
  const Geometry geometry(config.get_int_list("lattice.shape"));
  const auto theory = make_theory(config, geometry);
  const std::string model_path = config.get_string("flow.model");
  const ModelFileContents model = read_model_file(model_path);
  const bool transfer = config.get_bool("sample.transfer");
  check_model_matches(model, config, model_path, transfer);
  const bool transferred = model.shape != config.get_int_list("lattice.shape");

  const index_t block = config.get_int("sample.batch");
  const long long n_prop = config.get_int("sample.proposals");
  const long long therm = config.get_int("sample.thermalization");
  const long long save_every = config.get_int("sample.save_every");
  const std::uint64_t seed = std::uint64_t(config.get_int("run.seed"));
  if (double(therm) + double(n_prop) + double(block) > 4294967295.0)
    throw InputError("sample.proposals: with sample.thermalization the chain exceeds 2^32 - 1 "
                     "proposals (32-bit RNG streams)");
  const OutputLock lock = prepare_output(mpi, config, "run.output", {"flow.model"});

  const ChainRange share = mpi.split(block);
  Flow flow(*theory, architecture_for_run(model.architecture, config),
            std::max<index_t>(share.count, 1));
  restore_model(model, flow, nullptr);
  FlowProposer proposer(mpi, flow, *theory, seed, block);
  IndependenceChain chain(seed);
  RowMeasurer measurer(*theory);
  KeptProposals kept(mpi, measurer, theory->dof(), block);
  CarriedState carried(*theory, measurer);

  // One chain, written by rank 0 (it receives the configurations the chain keeps).
  const ChainRange owner = mpi.is_root() ? ChainRange{0, 1} : ChainRange{0, 0};
  const std::string output = config.get_string("run.output");
  EnsembleLayout layout;
  layout.n_chain = 1;
  layout.field_shape = theory->field_shape();
  layout.obs_names = measurer.observables().scalar_names();
  layout.obs_by_symmetry = measurer.observables().by_symmetry();
  layout.corr = measurer.observables().corr_layout();
  layout.record_reals = {"log_weight", "proposal_id", "state_log_weight"};
  layout.record_flags = {"accept"};
  layout.state_reals = {"state_id", "state_log_weight", "non_finite"};

  // run.resume: the chain is fixed by the flow (its hash) and the sample.*
  // keys; the block size and the model's path are not part of it
  ResumeKeys resume_keys;
  resume_keys.command = "sample";
  resume_keys.sampler = "flow_mh";
  resume_keys.sections = {"sample", "flow"};
  resume_keys.steps_key = "sample.proposals";
  resume_keys.therm_key = "sample.thermalization";
  resume_keys.save_every_key = "sample.save_every";
  resume_keys.free_keys = {"sample.batch", "flow.model"};
  resume_keys.params_hash = model.params_hash;
  const ResumeStart start = check_resume(mpi, config, resume_keys, layout);
  if (start.finished) {
    log.info("flowlat sample: " + output + " is complete with sample.proposals = " +
             std::to_string(n_prop) + "; nothing to resume (a larger sample.proposals extends it)");
    return 0;
  }

  // rank 0: the series of the saved chain elements, for the summary; every
  // rank: the proposals' log-weights and accept flags
  std::vector<std::vector<double>> obs_series(layout.obs_names.size());
  std::vector<double> all_log_w, accept_series;
  long long accepted = 0;
  if (start.resume && start.point.slot >= 0) {
    // every rank continues the chain's decisions; rank 0 also its configuration
    const ChainState resumed =
        read_chain_state(output, start.point, layout, 0, 1, carried.config());
    chain.restore(std::int64_t(resumed.values[0][0]), resumed.values[1][0],
                  (long long)resumed.values[2][0]);
    const EnsembleReader file(output);
    all_log_w = file.rows("mcmc/log_weight", 0, 1, start.point.n_records);
    accept_series = file.rows("mcmc/accept", 0, 1, start.point.n_records);
    for (double a : accept_series) accepted += a != 0;
    if (mpi.is_root())
      for (std::size_t k = 0; k < obs_series.size(); ++k)
        obs_series[k] = file.rows("obs/" + layout.obs_names[k], 0, 1, start.point.n_saved);
  }
  MPI_Barrier(mpi.comm());  // every rank has closed the file before it is opened for writing

  std::unique_ptr<EnsembleWriter> writer;
  if (start.resume) {
    writer = std::make_unique<EnsembleWriter>(mpi, output, layout, config, inv.command_line, owner,
                                              start.point);
  } else {
    writer = std::make_unique<EnsembleWriter>(mpi, output, config.get_bool("run.overwrite"), layout,
                                              config, inv.command_line, "flow_mh", owner);
    writer->write_group_attributes("model", model_record(model, transferred));
  }

  log.info("flowlat sample: " + theory->name() + " on " + geometry.shape_string() + ", model " +
           model_path + " (hash " + model.params_hash + ", " + std::to_string(model.adam_step) +
           " training steps" +
           (transferred ? ", trained on " + comma_list(model.shape) + ", transferred" : std::string()) +
           "), " + std::to_string(therm) + " + " +
           std::to_string(n_prop) + " proposals in blocks of " + std::to_string(block) + " on " +
           std::to_string(mpi.size()) + " ranks");
  if (start.resume) log.info(resume_note(output, start.point, "proposals", therm));

  // The chain after `elements` chain elements, in state `config` (rank 0's:
  // the writer's one chain) with the chain numbers `values`.
  const auto state = [&](long long elements, const FieldHost& config,
                         std::vector<std::vector<double>> values) {
    if (!mpi.is_root()) values = {{}, {}, {}};
    return ChainState{elements, config, values};
  };
  const auto state_now = [&](long long elements) {
    return state(elements, carried.config(),
                 {{double(chain.state())}, {chain.state_log_w()}, {double(chain.non_finite())}});
  };

  const long long first_element = start.point.updates;
  long long element = first_element;
  std::vector<double> log_w;
  // one element's record and saved observables in the writer's form: rank 0
  // has the one chain, the other ranks none (empty vectors)
  const std::size_t chains_here = mpi.is_root() ? 1 : 0;
  std::vector<std::vector<double>> reals(3, std::vector<double>(chains_here));
  std::vector<std::vector<int>> flags(1, std::vector<int>(chains_here));
  std::vector<std::vector<double>> obs(layout.obs_names.size()), corr(layout.corr.size());
  Progress progress(log, "sample", "prop", therm + n_prop, config.get_real("run.progress_seconds"));
  StopPoll stop(mpi, 1);  // once per block of proposals
  for (long long first = first_element - first_element % block; first < therm + n_prop;
       first += block) {
    if (stop()) {
      writer->flush(state_now(element));
      const long long done = std::max(0LL, element - therm);
      log.info("flowlat sample: stopped by " +
               (stop_signal_name().empty() ? std::string("a stop signal") : stop_signal_name()) +
               " after " + std::to_string(done) + " of " + std::to_string(n_prop) + " proposals; " +
               output + " holds " + std::to_string(done / save_every) +
               " saved configurations and stays complete = 0 (run.resume = true continues it)");
      return kExitStoppedBySignal;
    }
    // Propose (every rank its share), decide (every rank the same, from the
    // log-weights), then only the proposals the chain keeps go to rank 0,
    // measured by the rank that made them.
    proposer.propose(first, log_w);
    const long long in_block = std::min<long long>(block, therm + n_prop - first);
    const ChainBlock decided =
        decide_block(chain, first, element, first + in_block, log_w, therm, save_every);
    element = first + in_block;
    if (!decided.production.empty() && decided.production.front().state < 0)
      throw CollectiveFailure("sample: none of the first " +
                              std::to_string(decided.production.front().proposal + 1) +
                              " proposals has a finite log-weight: the model in " + model_path +
                              " proposes broken configurations");
    kept.collect(decided, proposer.configurations());

    // rank 0: the configuration and measurement of state `id` of this block's chain
    const auto config_of = [&](std::int64_t id) {
      const std::int64_t k = decided.kept_index(id);
      return k < 0 ? carried.config() : kept.configuration(k);
    };
    const auto measurement_of = [&](std::int64_t id) {
      const std::int64_t k = decided.kept_index(id);
      return k < 0 ? carried.measurement() : kept.measurement(k);
    };
    for (const ChainElement& e : decided.production) {
      all_log_w.push_back(e.log_w);
      accept_series.push_back(e.accept ? 1.0 : 0.0);
      accepted += e.accept;
      if (mpi.is_root()) {
        reals[0][0] = e.log_w, reals[1][0] = double(e.state), reals[2][0] = e.state_log_w;
        flags[0][0] = e.accept ? 1 : 0;
      }
      writer->add_record(reals, flags);
      if (e.saved) {
        if (mpi.is_root()) {
          measurer.unpack(measurement_of(e.state), obs, corr);
          for (std::size_t k = 0; k < obs_series.size(); ++k) obs_series[k].push_back(obs[k][0]);
        }
        writer->add_saved(mpi.is_root() ? config_of(e.state) : carried.config(), obs, corr);
      }
      if (writer->flush_due())
        writer->flush(state(e.proposal + 1, mpi.is_root() ? config_of(e.state) : carried.config(),
                            {{double(e.state)}, {e.state_log_w}, {double(e.non_finite)}}));
    }
    if (mpi.is_root() && decided.state_after >= first) {
      const std::int64_t k = decided.kept_index(decided.state_after);
      carried.take(kept.configuration(k),
                   decided.measured[std::size_t(k)] ? kept.measurement(k) : nullptr);
    }
    char fig[64];
    std::snprintf(fig, sizeof fig, "acc %.3f",
                  element > therm ? double(accepted) / double(element - therm) : 0.0);
    progress.update(first + in_block, fig);
  }

  // Summary: acceptance, ESS/N of all proposals, and every observable with
  // Gamma-method errors on the chain (one replica). Rank 0 holds the series;
  // every rank computes the same table for the collective attribute writes.
  for (auto& series : obs_series) broadcast_series(mpi, series);
  const WeightDiagnostics weights = weight_diagnostics(all_log_w);
  const double acceptance = n_prop > 0 ? double(accepted) / double(n_prop) : 0.0;
  const LongestStay stay = longest_stay(accept_series, 1);
  SummaryTable table;
  table.add_value("acceptance", acceptance);
  table.add_value("ess_per_sample", weights.ess_per_sample);
  table.add_value("max_weight", weights.max_weight);
  table.add_value("pareto_k", weights.pareto_k);
  table.add_value("longest_stay", double(stay.updates));
  table.add_value("non_finite_proposals", double(chain.non_finite()));
  // the free energy from the same proposals (independent flow samples)
  const FreeEnergyEstimate free_energy = nis_free_energy(all_log_w);
  const double exact_log_z = theory->exact_log_partition_function();
  table.add_value("log_z_nis", free_energy.log_z);
  table.add_value("log_z_nis_error", free_energy.error);
  table.add_value("log_z_lower_bound", free_energy.lower_bound);
  if (std::isfinite(exact_log_z)) table.add_value("log_z_exact", exact_log_z);
  table.add("accept", accept_series, 1);
  for (std::size_t k = 0; k < obs_series.size(); ++k)
    table.add_observable(layout.obs_names[k], obs_series[k], 1, double(geometry.volume()));
  writer->finish(table.attributes(), state_now(therm + n_prop));

  const double seconds = progress.elapsed_seconds();
  char line[256];
  std::snprintf(line, sizeof line,
                "flowlat sample: done in %.1f s (%.0f proposals/s); acceptance %.4f, ESS/N %.4f "
                "(N = %zu proposals), max weight %.3g, Pareto k^ %.2f, longest stay %lld "
                "(%.2f%% of the chain)",
                seconds, seconds > 0 ? double(therm + n_prop) / seconds : 0.0, acceptance,
                weights.ess_per_sample, all_log_w.size(), weights.max_weight, weights.pareto_k,
                (long long)stay.updates, 100 * stay.fraction);
  log.info(line);
  char z_line[256];
  int used = std::snprintf(z_line, sizeof z_line,
                           "  ln Z (NIS from these proposals) %.6f +- %.6f, variational bound "
                           "<w> = %.6f",
                           free_energy.log_z, free_energy.error, free_energy.lower_bound);
  if (std::isfinite(exact_log_z) && used > 0 && used < int(sizeof z_line))
    std::snprintf(z_line + used, sizeof z_line - std::size_t(used), "; exact %.6f (%+.2f sigma)",
                  exact_log_z, (free_energy.log_z - exact_log_z) / free_energy.error);
  log.info(z_line);
  for (const auto& warning : sample_warnings(weights, stay, chain.non_finite())) log.info(warning);
  table.print(log);
  log.info("  written: " + output);
  return 0;
}

}  // namespace flowlat
