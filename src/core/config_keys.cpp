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
KeySpec list_key(std::string name, std::string def, std::string help, double min) {
  KeySpec k = make_key(std::move(name), KeyKind::IntList, std::move(def), std::move(help));
  k.min = min;
  return k;
}
constexpr double kMaxStep = 4294967295.0;  // counters are 32-bit (core/philox.hpp)
}  // namespace

const std::vector<KeySpec>& all_keys() {
  static const std::vector<KeySpec> keys = {
      int_key("run.seed", "1", "seed of every random stream of the run", 0, 1.8e19),
      string_key("run.output", "runs/phi4_hmc.h5", "HDF5 file the run writes"),
      bool_key("run.overwrite", "false", "replace an existing output file"),
      choice_key("run.start", "cold", {"cold", "hot"},
                 "initial field: cold = zero, hot = unit normal per site (far from "
                 "equilibrium at strong coupling: needs small MD steps)"),
      int_key("run.flush_every", "10", "saved configurations per HDF5 block (written and flushed)",
              1),
      real_key("run.progress_seconds", "10", "seconds between progress lines on rank 0", 0),

      list_key("lattice.shape", "8,8", "extents L0,L1,... (d = their count, 1..4)", 1),

      choice_key("theory.name", "phi4", {"phi4"}, "lattice theory"),
      real_key("theory.m2", "-4", "phi4 bare mass squared m^2"),
      real_key("theory.lambda", "8", "phi4 quartic coupling lambda", 0),

      int_key("hmc.trajectories", "5000", "trajectories after thermalization", 0, kMaxStep),
      int_key("hmc.thermalization", "200", "trajectories discarded first", 0, kMaxStep),
      int_key("hmc.save_every", "1", "save configuration and observables every n trajectories",
              1),
      int_key("hmc.chains", "4", "independent chains, spread over the ranks", 1, kMaxStep),
      choice_key("hmc.integrator", "omelyan", {"leapfrog", "omelyan"}, "molecular dynamics"),
      int_key("hmc.steps", "10", "integrator steps per trajectory", 1),
      real_key("hmc.trajectory_length", "1", "molecular-dynamics time per trajectory", 0, true),
      bounded_real_key("hmc.length_jitter", "0",
                       "scale each trajectory length by a uniform factor in [1-j, 1+j]", 0, 0.999),

      int_key("metropolis.sweeps", "1000", "sweeps after thermalization", 0, kMaxStep),
      int_key("metropolis.thermalization", "200", "sweeps discarded first", 0, kMaxStep),
      int_key("metropolis.save_every", "1", "save configuration and observables every n sweeps",
              1),
      int_key("metropolis.chains", "4", "independent chains, spread over the ranks", 1, kMaxStep),
      real_key("metropolis.step_size", "1.5", "proposal phi' = phi + step_size*(2u-1)", 0, true),
      int_key("metropolis.hits", "1", "Metropolis hits per site and sweep", 1, 1024),
  };
  return keys;
}

}  // namespace flowlat
