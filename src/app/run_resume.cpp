// run.resume: is the file in run.output the run this input continues, and
// where does it continue.
#include "run_resume.hpp"

#include <algorithm>
#include <cstdlib>

#include "flowlat/core/error.hpp"
#include "flowlat/io/ensemble_reader.hpp"

namespace flowlat {

void share_verdict(const MpiContext& mpi, std::string error) {
  int length = int(error.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, mpi.comm());
  error.resize(length);
  MPI_Bcast(error.data(), length, MPI_CHAR, 0, mpi.comm());
  if (length > 0) throw InputError(error);
}

namespace {

std::string section_of(const std::string& key) { return key.substr(0, key.find('.')); }

// The file's value of a key (as EnsembleReader renders it) against this run's.
bool same_value(const KeySpec& spec, const std::string& recorded, const Config& config) {
  switch (spec.kind) {
    case KeyKind::Int:
      if (!recorded.empty() && recorded[0] == '-')
        return std::strtoll(recorded.c_str(), nullptr, 10) == config.get_int(spec.name);
      return std::strtoull(recorded.c_str(), nullptr, 10) ==
             static_cast<unsigned long long>(config.get_int(spec.name));
    case KeyKind::Real:
      return std::strtod(recorded.c_str(), nullptr) == config.get_real(spec.name);
    case KeyKind::Bool:
      return recorded == (config.get_bool(spec.name) ? "true" : "false");
    default:
      return recorded == config.get_string(spec.name);
  }
}

// Whether `key` defines the chains of this command.
bool defines_chain(const std::string& key, const ResumeKeys& keys) {
  if (key == keys.steps_key) return false;
  if (std::find(keys.free_keys.begin(), keys.free_keys.end(), key) != keys.free_keys.end())
    return false;
  const std::string section = section_of(key);
  if (key == "run.seed" || key == "run.start" || section == "lattice" || section == "theory")
    return true;
  return std::find(keys.sections.begin(), keys.sections.end(), section) != keys.sections.end();
}

std::string command_of(const std::string& sampler) {
  return sampler == "flow_mh" ? "sample" : sampler;
}

// Everything rank 0 checks; "" when the file can be continued.
std::string check_file(const EnsembleReader& file, const Config& config, const ResumeKeys& keys,
                       const EnsembleLayout& layout, ResumeStart& start) {
  const std::string quoted = "'" + file.path() + "'";
  const std::string sampler = file.has_root_attr("sampler") ? file.root_attr("sampler") : "";
  if (sampler != keys.sampler)
    return "run.output: " + quoted + " was written by flowlat " + command_of(sampler) +
           ", not flowlat " + keys.command + ": run.resume continues a run of the same command";

  const std::string same_input =
      " (run.resume continues a run with the same input; only " + keys.steps_key + " may grow)";
  const std::string recorded_theory =
      file.has_config_value("theory.name") ? file.config_value("theory.name") : "";
  if (recorded_theory != config.theory())
    return "theory.name: " + config.theory() + " differs from " + recorded_theory +
           " of the run in " + quoted + same_input;
  for (const KeySpec& spec : config.specs()) {
    if (!defines_chain(spec.name, keys)) continue;
    if (!file.has_config_value(spec.name))
      return spec.name + ": the run in " + quoted + " does not record it" + same_input;
    const std::string recorded = file.config_value(spec.name);
    if (!same_value(spec, recorded, config))
      return spec.name + ": " + config.get_string(spec.name) + " differs from " + recorded +
             " of the run in " + quoted + same_input;
  }
  const std::int64_t recorded_steps =
      std::strtoll(file.config_value(keys.steps_key).c_str(), nullptr, 10);
  const std::int64_t steps = config.get_int(keys.steps_key);
  if (steps < recorded_steps)
    return keys.steps_key + ": " + std::to_string(steps) + " is less than the " +
           std::to_string(recorded_steps) + " of the run in " + quoted +
           "; a resumed run continues to the same or a larger count";
  if (!keys.params_hash.empty()) {
    const std::string recorded_hash = file.group_attr("model", "params_hash");
    if (recorded_hash != keys.params_hash)
      return "flow.model: '" + config.get_string("flow.model") + "' (parameters hash " +
             keys.params_hash + ") is not the model of the run in " + quoted + " (hash " +
             recorded_hash + ")";
  }

  // the datasets of this layout, in this order
  std::string differs;
  std::vector<std::string> corr_names, records = layout.record_reals;
  for (const auto& c : layout.corr) corr_names.push_back(c.first);
  records.insert(records.end(), layout.record_flags.begin(), layout.record_flags.end());
  if (file.n_chain() != layout.n_chain)
    differs = "n_chain";
  else if (file.field_shape() != layout.field_shape)
    differs = "field shape";
  else if (file.obs_names() != layout.obs_names)
    differs = "observables";
  else if (file.corr_names() != corr_names)
    differs = "correlators";
  else if (file.record_names() != records)
    differs = "MCMC records";
  for (const auto& [name, len] : layout.corr)
    if (differs.empty() && file.corr_length(name) != len) differs = "correlator " + name;
  if (differs.empty()) {
    for (const auto& name : layout.state_reals)
      file.resume_state(name, 0, 0, 0);  // exists (InputError otherwise)
  }
  if (!differs.empty())
    return "run.output: " + quoted + " holds other datasets (" + differs + ") than flowlat " +
           keys.command + " writes now: it cannot be continued";

  const std::int64_t therm = config.get_int(keys.therm_key);
  start.point = find_resume_point(file, therm, config.get_int(keys.save_every_key));
  start.finished =
      file.complete() && steps == recorded_steps && start.point.updates == therm + steps;
  return "";
}

}  // namespace

ResumeStart check_resume(const MpiContext& mpi, const Config& config, const ResumeKeys& keys,
                         const EnsembleLayout& layout) {
  ResumeStart start;
  if (!config.get_bool("run.resume")) return start;
  start.resume = true;
  std::string error;
  if (mpi.is_root()) {
    try {
      const EnsembleReader file(config.get_string("run.output"));
      error = check_file(file, config, keys, layout, start);
    } catch (const InputError& e) {
      const std::string what = e.what();
      error = what.rfind("run.output:", 0) == 0 ? what : "run.output: " + what;
    } catch (const RuntimeFailure& e) {
      error = std::string("run.output: cannot be continued: ") + e.what();
    }
  }
  share_verdict(mpi, error);
  long long values[5] = {start.point.updates, start.point.n_saved, start.point.n_records,
                         start.point.slot, start.finished ? 1 : 0};
  MPI_Bcast(values, 5, MPI_LONG_LONG, 0, mpi.comm());
  start.point = ResumePoint{values[0], values[1], values[2], int(values[3])};
  start.finished = values[4] != 0;
  return start;
}

ChainState read_chain_state(const std::string& path, const ResumePoint& point,
                            const EnsembleLayout& layout, std::int64_t first, std::int64_t count,
                            const FieldHost& field) {
  ChainState state;
  state.updates = point.updates;
  state.field = field;
  if (point.slot < 0 || count == 0) {
    state.values.assign(layout.state_reals.size(), std::vector<double>(std::size_t(count), 0.0));
    return state;
  }
  const EnsembleReader file(path);
  const std::vector<double> rows = file.resume_state("field", point.slot, first, count);
  const std::size_t dof = field.extent(1);
  if (rows.size() != std::size_t(count) * dof)
    throw InputError("run.output: '" + path + "': /resume/field does not hold this lattice");
  for (std::int64_t b = 0; b < count; ++b)
    for (std::size_t x = 0; x < dof; ++x) field(b, x) = rows[std::size_t(b) * dof + x];
  for (const auto& name : layout.state_reals)
    state.values.push_back(file.resume_state(name, point.slot, first, count));
  return state;
}

std::string resume_note(const std::string& path, const ResumePoint& point, const std::string& unit,
                        std::int64_t thermalization) {
  if (point.slot < 0)
    return "  resuming " + path + ": it holds no chain state yet, the chains start over";
  const std::int64_t production = std::max<std::int64_t>(0, point.updates - thermalization);
  return "  resuming " + path + " after " + std::to_string(point.updates) + " " + unit +
         (point.updates < thermalization ? " (thermalizing)" : "") + ": " +
         std::to_string(production) + " records and " + std::to_string(point.n_saved) +
         " saved configurations per chain kept";
}

}  // namespace flowlat
