// The one table of input keys: name, type, default, range (DESIGN.md "Input files").
#include "flowlat/core/config.hpp"

namespace flowlat {

namespace {
// Every integer key has a maximum, so a typo or a wrapped 2^64 - 1 is an error
// naming the key instead of a run that never ends or prints nonsense counts.
constexpr double kMaxStep = 4294967295.0;  // counters are 32-bit (core/philox.hpp)
constexpr double kMaxSeed = 18446744073709551615.0;  // the one unsigned 64-bit key
constexpr double kMaxBlock = 1048576.0;  // per-block counts (flush block, MD steps)
constexpr double kMaxExtent = 1073741824.0;  // 2^30 per direction; the volume is checked
                                             // against memory (app/memory_estimate)
constexpr double kMaxChannels = 4096.0;
}  // namespace

const std::vector<KeySpec>& all_keys() {
  static const std::vector<KeySpec> keys = {
      keys::integer("run.seed", "1", "seed of every random stream of the run", 0, kMaxSeed),
      keys::text("run.output", "runs/phi4_hmc.h5", "HDF5 file the run writes"),
      keys::boolean("run.overwrite", "false", "replace an existing output file"),
      keys::boolean("run.resume", "false",
                    "continue the run in run.output where its file ends (hmc, metropolis, hybrid, "
                    "sample; the same input, the production count may grow); the file must exist"),
      keys::choice("run.start", "cold", {"cold", "hot"},
                   "initial field: cold = zero (phi4: phi = 0; u1: unit links), hot = random "
                   "(phi4: unit normal per site, far from equilibrium at strong coupling: needs "
                   "small MD steps; u1: Haar-random links)"),
      keys::real("run.flush_seconds", "30",
               "seconds between writes of the buffered output to the file (a killed job loses "
               "about this much; 0: after every update)",
               0),
      keys::integer("run.flush_mib", "64", "MiB of buffered output per rank that force a write", 1,
              kMaxBlock),
      keys::integer("run.flush_every", "0",
              "also write after this many saved configurations (0: only by time and size)", 0,
              kMaxBlock),
      keys::real("run.progress_seconds", "10", "seconds between progress lines on rank 0", 0),

      keys::int_list("lattice.shape", "8,8", "extents L0,L1,... (d = their count, 1..4)", 1, kMaxExtent),

      keys::text("theory.name", "phi4",
                 "lattice theory: phi4 (real scalar) or u1 (compact U(1) gauge); its own keys "
                 "follow it"),

      keys::integer("hmc.trajectories", "5000", "trajectories after thermalization", 0, kMaxStep),
      keys::integer("hmc.thermalization", "200", "trajectories discarded first", 0, kMaxStep),
      keys::integer("hmc.save_every", "1", "save configuration and observables every n trajectories",
              1, kMaxStep),
      keys::integer("hmc.chains", "4", "independent chains, spread over the ranks", 1, kMaxStep),
      keys::choice("hmc.integrator", "omelyan", {"leapfrog", "omelyan"}, "molecular dynamics"),
      keys::integer("hmc.steps", "10", "integrator steps per trajectory", 1, kMaxBlock),
      keys::real("hmc.trajectory_length", "1", "molecular-dynamics time per trajectory", 0, true),
      keys::choice("hmc.length_distribution", "uniform", {"uniform", "fixed"},
                 "uniform: each trajectory's MD time uniform on (0, 2 trajectory_length], in "
                 "steps of at most trajectory_length/steps (ergodic); fixed: always "
                 "trajectory_length (reflects modes with omega tau near k pi: not ergodic)"),

      keys::integer("metropolis.sweeps", "1000", "sweeps after thermalization", 0, kMaxStep),
      keys::integer("metropolis.thermalization", "200", "sweeps discarded first", 0, kMaxStep),
      keys::integer("metropolis.save_every", "1", "save configuration and observables every n sweeps",
              1, kMaxStep),
      keys::integer("metropolis.chains", "4", "independent chains, spread over the ranks", 1, kMaxStep),

      keys::integer("hybrid.trajectories", "2000",
              "updates after thermalization; each is one HMC trajectory (hmc.* keys) followed by "
              "hybrid.flow_proposals flow independence-MH proposals",
              0, kMaxStep),
      keys::integer("hybrid.thermalization", "100", "updates discarded first", 0, kMaxStep),
      keys::integer("hybrid.save_every", "1", "save configuration and observables every n updates", 1,
              kMaxStep),
      keys::integer("hybrid.chains", "4", "independent chains, spread over the ranks", 1, kMaxStep),
      keys::integer("hybrid.flow_proposals", "4", "flow proposals after each HMC trajectory", 0, 1024),
      keys::boolean("hybrid.transfer", "false",
                    "use a model trained on another lattice.shape (same dimension), as "
                    "sample.transfer"),

      keys::integer("flow.layers", "16", "coupling layers (each with its own mask; see flow.coupling)", 1,
              1024),
      keys::int_list("flow.hidden", "8,8", "hidden channels of each coupling's CNN, e.g. 8,8", 1,
               kMaxChannels),
      keys::integer("flow.kernel", "3", "convolution kernel size k (odd; k^d stencil, periodic)", 1,
              99),
      keys::choice("flow.activation", "leaky_relu", {"leaky_relu", "tanh"},
                 "activation after each hidden convolution"),
      keys::choice("flow.precision", "float32", {"float32", "float64"},
                   "floating-point type of the flow's networks (the action, log-weights and "
                   "accept/reject are double either way; a model trained in one samples in "
                   "the other)"),
      keys::text("flow.model", "runs/phi4_flow.model.h5",
                 "HDF5 model file: written by train (run.overwrite applies), read by sample and hybrid"),

      keys::integer("train.steps", "5000",
              "total Adam steps; continuing from train.init_model runs from its saved step up "
              "to this one",
              0, kMaxStep),
      keys::integer("train.batch", "64", "global batch per step, split over the ranks", 1, kMaxStep),
      keys::real("train.lr", "0.005", "Adam learning rate (peak of the cosine schedule)", 0, true),
      keys::bounded_real("train.beta1", "0.9", "Adam beta1 (< 1)", 0, 1),
      keys::bounded_real("train.beta2", "0.999", "Adam beta2 (< 1)", 0, 1),
      keys::real("train.eps", "1e-08", "Adam epsilon", 0, true),
      keys::real("train.clip_norm", "5", "clip the gradient to this global norm (0 = off)", 0),
      keys::choice("train.lr_schedule", "cosine", {"constant", "cosine"},
                 "constant, or cosine: lr decays to train.lr_min over train.steps"),
      keys::real("train.lr_min", "0", "final learning rate of the cosine schedule", 0),
      keys::choice("train.loss", "reverse_kl", {"reverse_kl", "forward_kl"},
                 "reverse_kl: self-training on <log q + S> over flow samples; forward_kl: "
                 "-<log q> over the configurations of train.data"),
      keys::text("train.data", "",
                 "ensemble file (flowlat hmc/metropolis/sample output) for forward_kl; all its "
                 "saved configurations of all chains"),
      keys::integer("train.temper_steps", "0",
                    "reverse_kl: train on s S over the first n steps (counted from the start "
                    "of the training, also when continuing), s rising linearly from "
                    "train.temper_from to 1 (U(1): beta rising to theory.beta), then on S "
                    "itself; helps narrow targets (large beta); 0 = off",
                    0, kMaxStep),
      keys::bounded_real("train.temper_from", "0.15",
                         "s of the tempered action at step 0 (train.temper_steps), > 0", 0, 1),
      keys::integer("train.log_every", "100", "steps between log lines", 1, kMaxStep),
      keys::integer("train.checkpoint_every", "1000",
              "steps between checkpoints of the model file (0 = only at the end)", 0,
              kMaxStep),
      keys::text("train.init_model", "",
                 "continue training from this model file (parameters and Adam state); "
                 "empty = fresh initialisation from run.seed"),
      keys::boolean("train.transfer", "false",
                    "train.init_model may have been trained on another lattice.shape (same "
                    "dimension): fine-tune it on this one"),

      keys::integer("sample.proposals", "10000", "flow proposals recorded after thermalization", 0,
              kMaxStep),
      keys::integer("sample.thermalization", "100", "chain elements discarded first", 0, kMaxStep),
      keys::integer("sample.save_every", "1", "save configuration and observables every n elements", 1,
              kMaxStep),
      keys::integer("sample.batch", "256", "proposals generated per block, split over the ranks", 1,
              1048576),
      keys::boolean("sample.transfer", "false",
               "use a model trained on another lattice.shape (same dimension): its periodic "
               "convolutions apply to any L"),
  };
  return keys;
}

}  // namespace flowlat
