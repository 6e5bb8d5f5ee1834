// `flowlat train`: training of a flow by reverse KL (self-training) or forward
// KL (on an ensemble, train.data), data-parallel over the ranks; the model
// file (flow.model) is written by rank 0 at the end and as a checkpoint every
// train.checkpoint_every steps.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include "chain_run.hpp"
#include "commands.hpp"
#include "flowlat/core/config.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/log.hpp"
#include "flowlat/core/progress.hpp"
#include "flowlat/core/stop_signal.hpp"
#include "flowlat/flow/flow_config.hpp"
#include "flowlat/flow/forward_kl_trainer.hpp"
#include "flowlat/flow/importance_weights.hpp"
#include "flowlat/flow/loss_rise.hpp"
#include "flowlat/flow/reverse_kl_trainer.hpp"
#include "flowlat/io/model_file.hpp"
#include "training_data.hpp"

namespace flowlat {

namespace {

// Rank 0 writes the model file; every rank then throws the same error (if
// any), so no rank is left waiting in a collective call.
void save_model(const MpiContext& mpi, const std::string& path, bool overwrite, const Flow& flow,
                const Adam& adam, const Theory& theory, const Config& config,
                const std::string& command_line, const TrainingHistory& history) {
  int kind = 0;  // 0 ok, 1 runtime failure, 2 input error
  std::string error;
  if (mpi.is_root()) {
    try {
      write_model_file(path, overwrite, flow, &adam, theory, config, command_line, history);
    } catch (const InputError& e) {
      kind = 2, error = e.what();
    } catch (const std::exception& e) {
      kind = 1, error = e.what();
    }
  }
  int length = int(error.size());
  int head[2] = {kind, length};
  MPI_Bcast(head, 2, MPI_INT, 0, mpi.comm());
  error.resize(std::size_t(head[1]));
  if (head[1] > 0) MPI_Bcast(error.data(), head[1], MPI_CHAR, 0, mpi.comm());
  if (head[0] == 2) throw InputError(error);
  if (head[0] == 1) throw RuntimeFailure(error);
}

// Data-parallel training keeps the parameters bit-identical on every rank:
// checked once, at the end, through the parameter hash.
void check_identical_parameters(const MpiContext& mpi, const Flow& flow) {
  if (mpi.size() == 1) return;
  const std::string hash = parameter_hash(host_parameters(flow));
  const unsigned long long mine = std::stoull(hash, nullptr, 16);
  unsigned long long lo = 0, hi = 0;
  MPI_Allreduce(&mine, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, mpi.comm());
  MPI_Allreduce(&mine, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, mpi.comm());
  if (lo != hi) throw RuntimeFailure("train: the flow parameters differ between ranks");
}

std::string figure(double loss, double ess) {
  char text[96];
  if (std::isnan(ess))  // no flow batch measured yet (forward KL)
    std::snprintf(text, sizeof text, "loss %.4f", loss);
  else
    std::snprintf(text, sizeof text, "loss %.4f  ESS/N %.3f", loss, ess);
  return text;
}

}  // namespace

int command_train(const MpiContext& mpi, const Invocation& inv) {
  const Log log(mpi);
  const Config config = Config::load(inv.config_path, inv.overrides);
  if (config.get_bool("run.resume"))
    throw InputError(
        "run.resume: flowlat train continues from a model file with "
        "train.init_model = FILE (its parameters and Adam state), not run.resume");
  const Geometry geometry(config.get_int_list("lattice.shape"));
  const auto theory = make_theory(config, geometry);
  const FlowArchitecture architecture = flow_architecture(config);
  const AdamOptions adam = adam_options(config);
  const std::string loss = config.get_string("train.loss");
  const std::string data_path = config.get_string("train.data");
  if (loss == "forward_kl" && data_path.empty())
    throw InputError("train.data: train.loss = forward_kl needs an ensemble file");
  if (loss != "forward_kl" && !data_path.empty())
    throw InputError("train.data: only used by train.loss = forward_kl (this run has " + loss +
                     ")");
  const long long steps = config.get_int("train.steps");
  // tempering over the first temper_steps steps of the training (Adam's step
  // count, so a continued training stays on the schedule)
  TemperSchedule temper;
  temper.steps = config.get_int("train.temper_steps");
  temper.from = config.get_real("train.temper_from");
  if (temper.steps > 0 && loss != "reverse_kl")
    throw InputError("train.temper_steps: tempering applies to train.loss = reverse_kl only "
                     "(this run has " + loss + ")");
  if (!(temper.from > 0))
    throw InputError("train.temper_from: value '" + config.get_string("train.temper_from") +
                     "' must be > 0");
  const long long log_every = config.get_int("train.log_every");
  const long long checkpoint_every = config.get_int("train.checkpoint_every");
  const index_t batch = config.get_int("train.batch");
  const std::uint64_t seed = std::uint64_t(config.get_int("run.seed"));
  const std::string model_path = config.get_string("flow.model");
  const std::string init_path = config.get_string("train.init_model");

  // A model to continue from: read (every rank, read-only) and checked
  // before anything is written.
  if (config.get_bool("train.transfer") && init_path.empty())
    throw InputError("train.transfer: only used with train.init_model (a model to fine-tune)");
  std::optional<ModelFileContents> init;
  if (!init_path.empty()) {
    try {
      init = read_model_file(init_path);
    } catch (const InputError& e) {
      throw InputError(std::string("train.init_model: ") + e.what());
    }
    check_model_matches(*init, config, init_path, config.get_bool("train.transfer"));
    if (init->adam_step > steps)
      throw InputError("train.steps: the model in '" + init_path + "' has already taken " +
                       std::to_string(init->adam_step) + " steps; set train.steps >= " +
                       std::to_string(init->adam_step) + " (the total) to continue it");
  }
  // every rank holds the whole ensemble (read-only, serial HDF5)
  const Field data = loss == "forward_kl" ? read_training_data(data_path, *theory) : Field();
  const OutputLock lock = prepare_output(mpi, config, "flow.model", {"train.data"});

  const ChainRange local = mpi.split(batch);
  Flow flow(*theory, architecture, std::max<index_t>(local.count, 1));
  std::unique_ptr<FlowTrainer> trainer_ptr;
  if (loss == "forward_kl")
    trainer_ptr = std::make_unique<ForwardKlTrainer>(mpi, flow, *theory, data, batch, adam, seed);
  else
    trainer_ptr = std::make_unique<ReverseKlTrainer>(mpi, flow, *theory, batch, adam, seed);
  FlowTrainer& trainer = *trainer_ptr;
  trainer.set_temper_schedule(temper);
  TrainingHistory history;
  double wall_offset = 0;  // wall time of the training this run continues
  if (init) {
    restore_model(*init, flow, &trainer.optimizer());
    history = init->history;
    if (!history.wall_time.empty()) wall_offset = history.wall_time.back();
  } else {
    flow.initialize(seed);
  }
  const long long first = trainer.steps_taken();

  log.info("flowlat train: " + theory->name() + " on " + geometry.shape_string() + ", " +
           std::to_string(architecture.n_layers) + " " + architecture.coupling_type +
           " couplings (" +
           std::to_string(flow.parameters().size()) + " parameters), batch " +
           std::to_string(batch) + " on " + std::to_string(mpi.size()) + " ranks, " + loss +
           (data.extent(0) > 0 ? " on " + std::to_string(data.extent(0)) + " configurations of " +
                                     data_path
                               : std::string()) +
           ", steps " +
           std::to_string(first) + " -> " + std::to_string(steps) +
           (init ? " (continuing " + init_path + ")" : std::string()) + ", model " + model_path);

  if (temper.steps >= steps && steps > first)
    log.info("  WARNING: train.temper_steps = " + std::to_string(temper.steps) +
             " >= train.steps: this run ends while tempered (its model is trained on " +
             std::to_string(temper.scale(steps - 1)).substr(0, 5) +
             " S, not S); continue it with train.init_model and train.steps > " +
             std::to_string(temper.steps));
  log.info("  log lines: loss, ESS/N and acceptance (expected independence-MH rate, from the "
           "batch) averaged over the steps since the previous line; max w and Pareto k^ of the "
           "importance weights of all those steps' samples (k^ > 0.7: heavy-tailed weights)");
  const bool overwrite = config.get_bool("run.overwrite");
  bool written = false;  // once this run wrote the model file, it replaces its own file
  long long last_saved = -1;
  auto checkpoint = [&](long long step) {
    save_model(mpi, model_path, overwrite || written, flow, trainer.optimizer(), *theory, config,
               inv.command_line, history);
    written = true;
    last_saved = step;
  };
  // what a run that ends now leaves on disk
  auto on_disk = [&]() {
    return written ? model_path + " holds the checkpoint of step " + std::to_string(last_saved)
                   : std::string("no model written");
  };
  std::vector<double> window_log_w;  // every flow sample's log-weight since the last log line
  Progress progress(log, "train", "step", steps - first, config.get_real("run.progress_seconds"));
  StopPoll stop(mpi, 1);  // a step costs far more than the allreduce
  double shown_ess = std::numeric_limits<double>::quiet_NaN();  // the last one measured
  for (long long t = first; t < steps; ++t) {
    if (stop()) {
      // a checkpoint of the step reached: a later run continues from it on
      // the same schedule (train.steps stays the total)
      if (t > first) checkpoint(t);
      const std::string signal =
          stop_signal_name().empty() ? std::string("a stop signal") : stop_signal_name();
      log.info("flowlat train: stopped by " + signal + " at step " + std::to_string(t) + " of " +
               std::to_string(steps) + "; " + on_disk() +
               (written ? "; continue with --train.init_model=" + model_path +
                              " --run.overwrite=true"
                        : std::string()));
      return kExitStoppedBySignal;
    }
    // the figures of a flow batch are needed by the log lines (a forward-KL
    // step pays a whole forward pass for them, so only those steps get them)
    const bool logged = (t + 1) % log_every == 0 || t + 1 == steps;
    TrainStepResult r;
    try {
      r = trainer.step(logged);
    } catch (const NonFiniteTraining& e) {
      // what the user has now: the last checkpoint of this run, or nothing new
      throw NonFiniteTraining(std::string(e.what()) + "; " + on_disk());
    }
    const double elapsed = progress.elapsed_seconds();
    history.append(r, wall_offset + elapsed);
    const auto& batch_log_w = trainer.last_log_weights();
    window_log_w.insert(window_log_w.end(), batch_log_w.begin(), batch_log_w.end());
    if (!std::isnan(r.ess_per_sample)) shown_ess = r.ess_per_sample;
    progress.update(t + 1 - first, figure(r.loss, shown_ess));
    if (r.step % log_every == 0 || t + 1 == steps) {
      // one batch is noisy: loss, ESS/N and acceptance averaged since the last line
      const TrainingHistory::Means m = history.means_of_last(std::size_t(log_every));
      const WeightDiagnostics w = weight_diagnostics(window_log_w);
      window_log_w.clear();
      char line[240];
      std::snprintf(line, sizeof line,
                    "  step %7lld  loss %11.5f  ESS/N %.4f  acc %.3f  max w %.2e  k^ %5.2f  "
                    "|grad| %.3e  lr %.3e  %8.1f s",
                    r.step, m.loss, m.ess, m.acceptance, w.max_weight, w.pareto_k, r.grad_norm,
                    r.learning_rate, elapsed);
      // while tempering, the figures are those of s S, not of the target
      if (r.action_scale < 1) {
        const std::size_t used = std::strlen(line);
        std::snprintf(line + used, sizeof line - used, "  (tempered: %.3f S)", r.action_scale);
      }
      log.info(line);
    }
    if (checkpoint_every > 0 && r.step % checkpoint_every == 0 && t + 1 < steps)
      checkpoint(r.step);
  }
  const double seconds = progress.elapsed_seconds();
  check_identical_parameters(mpi, flow);
  checkpoint(steps);  // the final model

  const long long taken = steps - first;
  char line[400];
  std::snprintf(line, sizeof line, "flowlat train: %lld steps in %.1f s (%.2f steps/s) on %d ranks",
                taken, seconds, seconds > 0 ? double(taken) / seconds : 0.0, mpi.size());
  log.info(line);
  if (taken > 0) {
    const TrainingHistory::Means m = history.means_of_last(std::size_t(taken / 10));
    std::snprintf(line, sizeof line,
                  "  last %zu steps (mean): loss %.5f  ESS/N %.4f  acceptance (estimate) %.3f",
                  m.window, m.loss, m.ess, m.acceptance);
    log.info(line);
    // A slow divergence leaves no NaN, only a loss that climbs: say so.
    const LossRise rise = loss_rise(history, std::size_t(log_every),
                                    std::max(first, temper.steps));
    if (rise.rose) {
      std::snprintf(line, sizeof line,
                    "WARNING: LOSS ROSE: the mean loss of the last %lld steps is %.4f, above "
                    "the %.4f of steps %lld-%lld by %.1f standard errors: the training "
                    "diverged (the model holds the final, worse state); lower train.lr",
                    log_every, rise.last, rise.best, rise.best_first, rise.best_last,
                    (rise.last - rise.best) / std::max(rise.error, 1e-300));
      log.info(line);
    }
    // Where ln Z is exact the loss says how far the flow is from the target:
    // KL(q || p) = <log q + S> + ln Z >= 0, extensive for a local flow
    // (batch ESS/N and acceptance estimates saturate near 1/batch instead).
    const double log_z = theory->exact_log_partition_function();
    if (std::isfinite(log_z) && temper.scale(steps - (long long)m.window) == 1.0) {
      std::snprintf(line, sizeof line,
                    "  reverse KL of the flow: %.4f (= loss + ln Z, exact ln Z %.4f of this "
                    "lattice)",
                    m.loss + log_z, log_z);
      log.info(line);
    }
  }
  log.info("  written: " + model_path);
  return 0;
}

}  // namespace flowlat
