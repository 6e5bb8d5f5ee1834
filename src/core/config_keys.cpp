// The one table of input keys: name, type, default, range (DESIGN.md "Input files").
#include "flowlat/core/config.hpp"

namespace flowlat {

namespace {
KeySpec make_key(std::string name, KeyKind kind, std::string def, std::string help) {
  KeySpec k;
  k.name = std::move(name);
  k.kind = kind;
  k.default_value = std::move(def);
  k.help = std::move(help);
  return k;
}
KeySpec int_key(std::string name, std::string def, std::string help, double min = -1e300,
                double max = 1e300) {
  KeySpec k = make_key(std::move(name), KeyKind::Int, std::move(def), std::move(help));
  k.min = min;
  k.max = max;
  return k;
}
KeySpec real_key(std::string name, std::string def, std::string help, double min = -1e300,
                 bool min_exclusive = false) {
  KeySpec k = make_key(std::move(name), KeyKind::Real, std::move(def), std::move(help));
  k.min = min;
  k.min_exclusive = min_exclusive;
  return k;
}
KeySpec bounded_real_key(std::string name, std::string def, std::string help, double min,
                         double max) {
  KeySpec k = real_key(std::move(name), std::move(def), std::move(help), min);
  k.max = max;
  return k;
}
KeySpec bool_key(std::string name, std::string def, std::string help) {
  return make_key(std::move(name), KeyKind::Bool, std::move(def), std::move(help));
}
KeySpec string_key(std::string name, std::string def, std::string help) {
  return make_key(std::move(name), KeyKind::String, std::move(def), std::move(help));
}
KeySpec choice_key(std::string name, std::string def, std::vector<std::string> choices,
                   std::string help) {
  KeySpec k = make_key(std::move(name), KeyKind::Choice, std::move(def), std::move(help));
  k.choices = std::move(choices);
  return k;
}
KeySpec list_key(std::string name, std::string def, std::string help, double min, double max) {
  KeySpec k = make_key(std::move(name), KeyKind::IntList, std::move(def), std::move(help));
  k.min = min;
  k.max = max;
  return k;
}
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
      int_key("run.seed", "1", "seed of every random stream of the run", 0, kMaxSeed),
      string_key("run.output", "runs/phi4_hmc.h5", "HDF5 file the run writes"),
      bool_key("run.overwrite", "false", "replace an existing output file"),
      choice_key("run.start", "cold", {"cold", "hot"},
                 "initial field: cold = zero, hot = unit normal per site (far from "
                 "equilibrium at strong coupling: needs small MD steps)"),
      real_key("run.flush_seconds", "30",
               "seconds between writes of the buffered output to the file (a killed job loses "
               "about this much; 0: after every update)",
               0),
      int_key("run.flush_mib", "64", "MiB of buffered output per rank that force a write", 1,
              kMaxBlock),
      int_key("run.flush_every", "0",
              "also write after this many saved configurations (0: only by time and size)", 0,
              kMaxBlock),
      real_key("run.progress_seconds", "10", "seconds between progress lines on rank 0", 0),

      list_key("lattice.shape", "8,8", "extents L0,L1,... (d = their count, 1..4)", 1, kMaxExtent),

      choice_key("theory.name", "phi4", {"phi4"}, "lattice theory"),
      real_key("theory.m2", "-4", "phi4 bare mass squared m^2"),
      real_key("theory.lambda", "8", "phi4 quartic coupling lambda", 0),

      int_key("hmc.trajectories", "5000", "trajectories after thermalization", 0, kMaxStep),
      int_key("hmc.thermalization", "200", "trajectories discarded first", 0, kMaxStep),
      int_key("hmc.save_every", "1", "save configuration and observables every n trajectories",
              1, kMaxStep),
      int_key("hmc.chains", "4", "independent chains, spread over the ranks", 1, kMaxStep),
      choice_key("hmc.integrator", "omelyan", {"leapfrog", "omelyan"}, "molecular dynamics"),
      int_key("hmc.steps", "10", "integrator steps per trajectory", 1, kMaxBlock),
      real_key("hmc.trajectory_length", "1", "molecular-dynamics time per trajectory", 0, true),
      choice_key("hmc.length_distribution", "uniform", {"uniform", "fixed"},
                 "uniform: each trajectory's MD time uniform on (0, 2 trajectory_length], in "
                 "steps of at most trajectory_length/steps (ergodic); fixed: always "
                 "trajectory_length (reflects modes with omega tau near k pi: not ergodic)"),

      int_key("metropolis.sweeps", "1000", "sweeps after thermalization", 0, kMaxStep),
      int_key("metropolis.thermalization", "200", "sweeps discarded first", 0, kMaxStep),
      int_key("metropolis.save_every", "1", "save configuration and observables every n sweeps",
              1, kMaxStep),
      int_key("metropolis.chains", "4", "independent chains, spread over the ranks", 1, kMaxStep),
      real_key("metropolis.step_size", "1.5", "proposal phi' = phi + step_size*(2u-1)", 0, true),
      int_key("metropolis.hits", "1", "Metropolis hits per site and sweep", 1, 1024),

      int_key("hybrid.trajectories", "2000",
              "updates after thermalization; each is one HMC trajectory (hmc.* keys) followed by "
              "hybrid.flow_proposals flow independence-MH proposals",
              0, kMaxStep),
      int_key("hybrid.thermalization", "100", "updates discarded first", 0, kMaxStep),
      int_key("hybrid.save_every", "1", "save configuration and observables every n updates", 1,
              kMaxStep),
      int_key("hybrid.chains", "4", "independent chains, spread over the ranks", 1, kMaxStep),
      int_key("hybrid.flow_proposals", "4", "flow proposals after each HMC trajectory", 0, 1024),

      int_key("flow.layers", "16", "affine coupling layers (alternating checkerboard masks)", 1,
              1024),
      list_key("flow.hidden", "8,8", "hidden channels of each coupling's CNN, e.g. 8,8", 1,
               kMaxChannels),
      int_key("flow.kernel", "3", "convolution kernel size k (odd; k^d stencil, periodic)", 1,
              99),
      choice_key("flow.coupling", "affine", {"affine"},
                 "coupling layer: affine = real NVP, x exp(s) + t on the active sites"),
      choice_key("flow.equivariance", "z2", {"none", "z2"},
                 "z2: s even and t odd in the frozen field, so f(-z) = -f(z) (phi -> -phi of "
                 "the action; the default), or none (the tutorial's flow)"),
      choice_key("flow.activation", "leaky_relu", {"leaky_relu", "tanh"},
                 "activation after each hidden convolution"),
      bool_key("flow.final_tanh", "true", "tanh on the CNN output (s, t), as in the tutorial"),
      string_key("flow.model", "runs/phi4_flow.model.h5",
                 "HDF5 model file: written by train (run.overwrite applies), read by sample"),

      int_key("train.steps", "5000",
              "total Adam steps; continuing from train.init_model runs from its saved step up "
              "to this one",
              0, kMaxStep),
      int_key("train.batch", "64", "global batch per step, split over the ranks", 1, kMaxStep),
      real_key("train.lr", "0.005", "Adam learning rate (peak of the cosine schedule)", 0, true),
      bounded_real_key("train.beta1", "0.9", "Adam beta1 (< 1)", 0, 1),
      bounded_real_key("train.beta2", "0.999", "Adam beta2 (< 1)", 0, 1),
      real_key("train.eps", "1e-08", "Adam epsilon", 0, true),
      real_key("train.clip_norm", "5", "clip the gradient to this global norm (0 = off)", 0),
      choice_key("train.lr_schedule", "cosine", {"constant", "cosine"},
                 "constant, or cosine: lr decays to train.lr_min over train.steps"),
      real_key("train.lr_min", "0", "final learning rate of the cosine schedule", 0),
      choice_key("train.loss", "reverse_kl", {"reverse_kl", "forward_kl"},
                 "reverse_kl: self-training on <log q + S> over flow samples; forward_kl: "
                 "-<log q> over the configurations of train.data"),
      string_key("train.data", "",
                 "ensemble file (flowlat hmc/metropolis/sample output) for forward_kl; all its "
                 "saved configurations of all chains"),
      int_key("train.log_every", "100", "steps between log lines", 1, kMaxStep),
      int_key("train.checkpoint_every", "1000",
              "steps between checkpoints of the model file (0 = only at the end)", 0,
              kMaxStep),
      string_key("train.init_model", "",
                 "continue training from this model file (parameters and Adam state); "
                 "empty = fresh initialisation from run.seed"),

      int_key("sample.proposals", "10000", "flow proposals recorded after thermalization", 0,
              kMaxStep),
      int_key("sample.thermalization", "100", "chain elements discarded first", 0, kMaxStep),
      int_key("sample.save_every", "1", "save configuration and observables every n elements", 1,
              kMaxStep),
      int_key("sample.batch", "256", "proposals generated per block, split over the ranks", 1,
              1048576),
      bool_key("sample.transfer", "false",
               "use a model trained on another lattice.shape (same dimension): its periodic "
               "convolutions apply to any L"),
  };
  return keys;
}

}  // namespace flowlat
