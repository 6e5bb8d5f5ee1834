// Model files: written serially by one process to "<path>.tmp", renamed when
// complete; read back with every consistency check turned into an InputError
// naming the file.
#include "flowlat/io/model_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>

#include "flowlat/core/comma_list.hpp"
#include "flowlat/core/config.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/flow/flow_config.hpp"
#include "flowlat/io/h5_attributes.hpp"
#include "flowlat/io/h5_handle.hpp"

namespace flowlat {

namespace fs = std::filesystem;

namespace {

using h5::check;

constexpr int kModelFormatVersion = 1;
constexpr const char* kModelKind = "flowlat model";

// "8,8" -> {8, 8}; InputError naming the file and attribute if malformed.
std::vector<int> parse_int_list(const std::string& text, const std::string& path,
                                const std::string& attr) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      out.push_back(std::stoi(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw InputError(path + ": attribute " + attr + " = '" + text +
                       "' is not a comma-separated list of integers");
    }
  }
  if (out.empty()) throw InputError(path + ": attribute " + attr + " is empty");
  return out;
}

// ---- datasets (1-d, contiguous) ----------------------------------------------

void write_vector(const h5::ObjectRef& parent, const std::string& name, hid_t file_type,
                  hid_t mem_type, const void* data, std::size_t n) {
  const std::string what = "write dataset " + parent.child(name) + parent.in();
  const hsize_t dim = n;
  h5::Dataspace space(check(H5Screate_simple(1, &dim, nullptr), what));
  h5::Dataset d(check(H5Dcreate2(parent.id, name.c_str(), file_type, space.get(), H5P_DEFAULT,
                                 H5P_DEFAULT, H5P_DEFAULT),
                      what));
  if (n > 0) check(H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), what);
}

void write_reals(const h5::ObjectRef& parent, const std::string& name,
                 const std::vector<double>& v) {
  write_vector(parent, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v.data(), v.size());
}

template <class T>
std::vector<T> read_vector(const h5::ObjectRef& parent, const std::string& name, hid_t mem_type) {
  const std::string full = parent.child(name);
  if (!h5::link_exists(parent.id, name)) throw InputError(parent.file + ": no dataset " + full);
  const std::string what = "read " + full + parent.in();
  h5::Dataset d(check(H5Dopen2(parent.id, name.c_str(), H5P_DEFAULT), what));
  h5::Dataspace space(check(H5Dget_space(d.get()), what));
  if (check(H5Sget_simple_extent_ndims(space.get()), what) != 1)
    throw InputError(parent.file + ": dataset " + full + " is not one-dimensional");
  hsize_t n = 0;
  check(H5Sget_simple_extent_dims(space.get(), &n, nullptr), what);
  std::vector<T> out(static_cast<std::size_t>(n));
  if (n > 0) check(H5Dread(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), what);
  return out;
}

std::vector<double> to_vector(const ParamVector& values) {
  const auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), values);
  return std::vector<double>(host.data(), host.data() + host.extent(0));
}

void from_vector(const std::vector<double>& v, const ParamVector& values) {
  auto host = Kokkos::create_mirror_view(values);
  for (std::size_t i = 0; i < v.size(); ++i) host(i) = v[i];
  Kokkos::deep_copy(values, host);
}

// ---- writing --------------------------------------------------------------------

void write_contents(const h5::ObjectRef& root, const Flow& flow, const Adam* adam,
                    const Theory& theory, const Config& config, const std::string& command_line,
                    const TrainingHistory& history) {
  h5::write_provenance_attrs(root, h5::utc_now(), command_line, config.resolved_text());
  h5::write_string_attr(root, "kind", kModelKind);
  h5::write_int32_attr(root, "format_version", kModelFormatVersion);
  h5::write_int32_attr(root, "complete", 0);

  {
    const h5::Group group = h5::create_group(root, "config");
    h5::write_config_attrs({group.get(), "/config", root.file}, config);
  }

  const h5::Group model_group = h5::create_group(root, "model");
  const h5::ObjectRef model{model_group.get(), "/model", root.file};
  const FlowArchitecture& a = flow.architecture();
  h5::write_int64_attr(model, "n_layers", a.n_layers);
  h5::write_string_attr(model, "hidden", comma_list(a.coupling.hidden));
  h5::write_int64_attr(model, "kernel", a.coupling.kernel);
  h5::write_string_attr(model, "coupling", "affine");
  h5::write_string_attr(model, "equivariance", equivariance_to_name(a.coupling.equivariance));
  h5::write_string_attr(model, "hidden_activation",
                        activation_name(a.coupling.hidden_activation));
  h5::write_string_attr(model, "final_activation", activation_name(a.coupling.final_activation));
  h5::write_string_attr(model, "theory.name", theory.name());
  for (const auto& [name, value] : theory.couplings())
    h5::write_double_attr(model, "theory." + name, value);
  h5::write_string_attr(model, "lattice.shape", comma_list(flow.geometry().extents()));

  const std::vector<double> params = host_parameters(flow);
  h5::write_int64_attr(model, "n_params", std::int64_t(params.size()));
  h5::write_string_attr(model, "params_hash", parameter_hash(params));
  write_reals(model, "parameters", params);
  {
    const h5::Group blocks_group = h5::create_group(model, "blocks");
    const h5::ObjectRef blocks{blocks_group.get(), "/model/blocks", root.file};
    for (const auto& b : flow.parameters().blocks())
      h5::write_int64_array_attr(blocks, b.name, {std::int64_t(b.offset), std::int64_t(b.count)});
  }
  if (adam) {
    const h5::Group opt_group = h5::create_group(model, "optimizer");
    const h5::ObjectRef opt{opt_group.get(), "/model/optimizer", root.file};
    h5::write_int64_attr(opt, "step", adam->steps_taken());
    write_reals(opt, "m", to_vector(adam->first_moment()));
    write_reals(opt, "v", to_vector(adam->second_moment()));
  }

  const h5::Group training_group = h5::create_group(root, "training");
  const h5::Group history_group =
      h5::create_group({training_group.get(), "/training", root.file}, "history");
  const h5::ObjectRef h{history_group.get(), "/training/history", root.file};
  write_vector(h, "step", H5T_STD_I64LE, H5T_NATIVE_INT64, history.step.data(), history.size());
  write_reals(h, "loss", history.loss);
  write_reals(h, "ess", history.ess);
  write_reals(h, "acceptance", history.acceptance);
  write_reals(h, "grad_norm", history.grad_norm);
  write_reals(h, "lr", history.lr);
  write_reals(h, "wall_time", history.wall_time);
  write_reals(h, "max_weight", history.max_weight);
  write_reals(h, "pareto_k", history.pareto_k);
}

// ---- reading --------------------------------------------------------------------

h5::Group open_required_group(const h5::ObjectRef& parent, const std::string& name) {
  if (!h5::link_exists(parent.id, name))
    throw InputError(parent.file + ": no group " + parent.child(name));
  return h5::open_group(parent, name);
}

std::string read_name_attr(const h5::ObjectRef& model, const std::string& name) {
  return h5::read_attr_text(model, name);
}

ModelFileContents read_contents(const h5::ObjectRef& root) {
  const std::string& path = root.file;
  ModelFileContents c;
  c.path = path;
  if (!h5::has_attr(root, "kind"))
    throw InputError(path + ": not a flowlat model file (no root attribute 'kind')");
  const std::string kind = h5::read_attr_text(root, "kind");
  if (kind != kModelKind)
    throw InputError(path + ": not a flowlat model file (kind = '" + kind + "')");
  if (h5::read_int_attr(root, "complete") == 0)
    throw InputError(path + ": incomplete model file (complete = 0: the run writing it did not "
                            "finish)");
  c.input = h5::read_attr_text(root, "input");

  const h5::Group model_group = open_required_group(root, "model");
  const h5::ObjectRef model{model_group.get(), "/model", path};
  FlowArchitecture& a = c.architecture;
  a.n_layers = int(h5::read_int_attr(model, "n_layers"));
  a.coupling.hidden = parse_int_list(h5::read_attr_text(model, "hidden"), path, "/model/hidden");
  a.coupling.kernel = int(h5::read_int_attr(model, "kernel"));
  c.coupling = read_name_attr(model, "coupling");
  auto parsed = [&](const std::string& attr, auto from_name) {
    const std::string value = h5::read_attr_text(model, attr);
    try {
      return from_name(value);
    } catch (const InputError&) {
      throw InputError(path + ": attribute /model/" + attr + " = '" + value + "' is unknown");
    }
  };
  a.coupling.equivariance = parsed("equivariance", equivariance_from_name);
  a.coupling.hidden_activation = parsed("hidden_activation", activation_from_name);
  a.coupling.final_activation = parsed("final_activation", activation_from_name);

  c.theory_name = h5::read_attr_text(model, "theory.name");
  for (const auto& name : h5::attr_names(model))
    if (name.rfind("theory.", 0) == 0 && name != "theory.name")
      c.couplings.emplace_back(name.substr(7), h5::read_double_attr(model, name));
  c.shape = parse_int_list(h5::read_attr_text(model, "lattice.shape"), path, "/model/lattice.shape");

  const std::int64_t n_params = h5::read_int_attr(model, "n_params");
  c.params_hash = h5::read_attr_text(model, "params_hash");
  c.parameters = read_vector<double>(model, "parameters", H5T_NATIVE_DOUBLE);
  if (std::int64_t(c.parameters.size()) != n_params)
    throw InputError(path + ": /model/parameters holds " + std::to_string(c.parameters.size()) +
                     " values but n_params = " + std::to_string(n_params) + " (corrupt file)");
  const std::string actual = parameter_hash(c.parameters);
  if (actual != c.params_hash)
    throw InputError(path + ": parameter hash mismatch (params_hash " + c.params_hash +
                     ", /model/parameters hashes to " + actual + "): the file is corrupt");

  {
    const h5::Group blocks_group = open_required_group(model, "blocks");
    const h5::ObjectRef blocks{blocks_group.get(), "/model/blocks", path};
    std::int64_t next = 0;
    for (const auto& name : h5::attr_names(blocks)) {
      const auto v = h5::read_int_array_attr(blocks, name);
      if (v.size() != 2 || v[0] != next || v[1] < 0 || v[0] + v[1] > n_params)
        throw InputError(path + ": parameter block /model/blocks/" + name +
                         " does not continue the layout (corrupt file)");
      c.blocks.push_back({name, v[0], v[1]});
      next = v[0] + v[1];
    }
    if (next != n_params)
      throw InputError(path + ": the parameter blocks cover " + std::to_string(next) + " of " +
                       std::to_string(n_params) + " parameters (corrupt file)");
    // a diverged flow proposes NaNs: refuse it here, for every reader
    for (const auto& block : c.blocks)
      for (std::int64_t i = block.offset; i < block.offset + block.count; ++i)
        if (!std::isfinite(c.parameters[std::size_t(i)]))
          throw InputError(path + ": parameter " + std::to_string(i - block.offset) + " of " +
                           block.name + " is not finite: the model is broken (its training "
                           "diverged)");
  }

  if (h5::link_exists(model.id, "optimizer")) {
    const h5::Group opt_group = h5::open_group(model, "optimizer");
    const h5::ObjectRef opt{opt_group.get(), "/model/optimizer", path};
    c.has_optimizer = true;
    c.adam_step = h5::read_int_attr(opt, "step");
    c.adam_m = read_vector<double>(opt, "m", H5T_NATIVE_DOUBLE);
    c.adam_v = read_vector<double>(opt, "v", H5T_NATIVE_DOUBLE);
    if (c.adam_m.size() != c.parameters.size() || c.adam_v.size() != c.parameters.size())
      throw InputError(path + ": /model/optimizer/m and v must hold n_params values (corrupt file)");
    if (c.adam_step < 0) throw InputError(path + ": /model/optimizer step is negative");
  }

  if (h5::link_exists(root.id, "training/history")) {
    const h5::Group history_group = h5::open_group(root, "training/history");
    const h5::ObjectRef h{history_group.get(), "/training/history", path};
    TrainingHistory& t = c.history;
    t.step = read_vector<std::int64_t>(h, "step", H5T_NATIVE_INT64);
    t.loss = read_vector<double>(h, "loss", H5T_NATIVE_DOUBLE);
    t.ess = read_vector<double>(h, "ess", H5T_NATIVE_DOUBLE);
    t.acceptance = read_vector<double>(h, "acceptance", H5T_NATIVE_DOUBLE);
    t.grad_norm = read_vector<double>(h, "grad_norm", H5T_NATIVE_DOUBLE);
    t.lr = read_vector<double>(h, "lr", H5T_NATIVE_DOUBLE);
    t.wall_time = read_vector<double>(h, "wall_time", H5T_NATIVE_DOUBLE);
    const std::size_t n = t.step.size();
    // columns added later: absent in older files, read as NaN
    for (auto [name, column] : {std::pair{"max_weight", &t.max_weight}, {"pareto_k", &t.pareto_k}})
      *column = h5::link_exists(history_group.get(), name)
                    ? read_vector<double>(h, name, H5T_NATIVE_DOUBLE)
                    : std::vector<double>(n, std::nan(""));
    if (t.loss.size() != n || t.ess.size() != n || t.acceptance.size() != n ||
        t.grad_norm.size() != n || t.lr.size() != n || t.wall_time.size() != n ||
        t.max_weight.size() != n || t.pareto_k.size() != n)
      throw InputError(path + ": the /training/history datasets differ in length (corrupt file)");
  }
  return c;
}

}  // namespace

void TrainingHistory::append(const TrainStepResult& r, double wall_time_seconds) {
  step.push_back(r.step);
  loss.push_back(r.loss);
  ess.push_back(r.ess_per_sample);
  acceptance.push_back(r.acceptance);
  grad_norm.push_back(r.grad_norm);
  lr.push_back(r.learning_rate);
  wall_time.push_back(wall_time_seconds);
  max_weight.push_back(r.max_weight);
  pareto_k.push_back(r.pareto_k);
}

TrainingHistory::Means TrainingHistory::means_of_last(std::size_t window) const {
  Means m;
  const std::size_t n = size();
  m.window = std::min(std::max<std::size_t>(window, 1), n);
  // ess and acceptance: NaN on steps without a flow batch (forward KL), skipped
  std::size_t figures = 0;
  for (std::size_t i = n - m.window; i < n; ++i) {
    m.loss += loss[i];
    if (std::isnan(ess[i])) continue;
    m.ess += ess[i], m.acceptance += acceptance[i];
    ++figures;
  }
  if (m.window > 0) m.loss /= double(m.window);
  if (figures > 0) {
    m.ess /= double(figures), m.acceptance /= double(figures);
  } else if (m.window > 0) {
    m.ess = m.acceptance = std::numeric_limits<double>::quiet_NaN();
  }
  return m;
}

std::string parameter_hash(const std::vector<double>& values) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
  for (std::size_t i = 0; i < values.size() * sizeof(double); ++i) {
    h ^= bytes[i];
    h *= 0x100000001b3ULL;  // FNV prime
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

std::vector<double> host_parameters(const Flow& flow) { return to_vector(flow.parameters().values()); }

void write_model_file(const std::string& path, bool overwrite, const Flow& flow, const Adam* adam,
                      const Theory& theory, const Config& config, const std::string& command_line,
                      const TrainingHistory& history) {
  h5::silence_errors();
  std::error_code ec;
  if (!overwrite && fs::exists(path, ec))
    throw InputError(path + ": model file exists; set run.overwrite = true to replace it");
  const std::string tmp = path + ".tmp";
  try {
    const std::string what = "create file '" + tmp + "'";
    h5::PropList fcpl(check(H5Pcreate(H5P_FILE_CREATE), what));
    h5::track_order(fcpl.get(), what);
    h5::File file(check(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), what));
    const h5::ObjectRef root{file.get(), "/", tmp};
    write_contents(root, flow, adam, theory, config, command_line, history);
    h5::update_int32_attr(root, "complete", 1);
    check(file.close(), "close '" + tmp + "'");
    fs::rename(tmp, path);  // atomic: readers see the old file or the complete new one
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
}

ModelFileContents read_model_file(const std::string& path) {
  h5::silence_errors();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path + ": cannot open model file (no such file)");
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    const std::string reason = h5::take_error_text();
    throw InputError(path + ": cannot open model file as HDF5" +
                     (reason.empty() ? "" : " (" + reason + ")"));
  }
  const h5::File file(id);
  try {
    return read_contents({file.get(), "/", path});
  } catch (const RuntimeFailure& e) {  // HDF5 failed on data it should hold: corrupt
    throw InputError(path + ": corrupt model file (" + e.what() + ")");
  }
}

bool is_model_file(const std::string& path) {
  h5::silence_errors();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    h5::take_error_text();
    return false;
  }
  const h5::File file(id);
  const h5::ObjectRef root{file.get(), "/", path};
  try {
    return h5::has_attr(root, "kind") && h5::read_attr_text(root, "kind") == kModelKind;
  } catch (const std::exception&) {
    return false;
  }
}

void check_model_matches(const ModelFileContents& model, const Config& config,
                         const std::string& path, bool transfer) {
  auto differ = [&](const std::string& key, const std::string& in_file, const std::string& in_run) {
    if (in_file != in_run)
      throw InputError(key + ": model file '" + path + "' was trained with " + key + " = " +
                       in_file + ", this run has " + in_run);
  };
  differ("theory.name", model.theory_name, config.get_string("theory.name"));
  for (const auto& [name, value] : model.couplings) {
    const std::string key = "theory." + name;
    bool known = false;
    for (const auto& k : all_keys()) known = known || k.name == key;
    if (!known)
      throw InputError(key + ": model file '" + path + "' has coupling " + name +
                       ", which this build does not know");
    if (value != config.get_real(key))
      differ(key, h5::shortest_text(value), h5::shortest_text(config.get_real(key)));
  }
  const std::vector<int> shape = config.get_int_list("lattice.shape");
  if (!transfer) {
    if (model.shape != shape)
      throw InputError("lattice.shape: model file '" + path + "' was trained with lattice.shape = " +
                       comma_list(model.shape) + ", this run has " + comma_list(shape) +
                       " (flowlat sample can use it on another lattice with sample.transfer = true)");
  } else if (model.shape.size() != shape.size()) {
    throw InputError("lattice.shape: model file '" + path + "' was trained in " +
                     std::to_string(model.shape.size()) + " dimensions (lattice.shape = " +
                     comma_list(model.shape) + "), this run has " + std::to_string(shape.size()) +
                     "; sample.transfer needs the same dimension");
  }

  const FlowArchitecture run = flow_architecture(config);
  const FlowArchitecture& a = model.architecture;
  differ("flow.layers", std::to_string(a.n_layers), std::to_string(run.n_layers));
  differ("flow.hidden", comma_list(a.coupling.hidden), comma_list(run.coupling.hidden));
  differ("flow.kernel", std::to_string(a.coupling.kernel), std::to_string(run.coupling.kernel));
  differ("flow.coupling", model.coupling, config.get_string("flow.coupling"));
  differ("flow.equivariance", equivariance_to_name(a.coupling.equivariance),
         equivariance_to_name(run.coupling.equivariance));
  differ("flow.activation", activation_name(a.coupling.hidden_activation),
         activation_name(run.coupling.hidden_activation));
  auto final_tanh = [](Activation f) {
    return f == Activation::Tanh       ? std::string("true")
           : f == Activation::Identity ? std::string("false")
                                       : activation_name(f);
  };
  differ("flow.final_tanh", final_tanh(a.coupling.final_activation),
         final_tanh(run.coupling.final_activation));
}

void restore_model(const ModelFileContents& model, Flow& flow, Adam* adam) {
  const std::string& path = model.path;
  const auto blocks = flow.parameters().blocks();
  bool same = blocks.size() == model.blocks.size() &&
              std::size_t(flow.parameters().size()) == model.parameters.size();
  for (std::size_t i = 0; same && i < blocks.size(); ++i)
    same = blocks[i].name == model.blocks[i].name &&
           std::int64_t(blocks[i].offset) == model.blocks[i].offset &&
           std::int64_t(blocks[i].count) == model.blocks[i].count;
  if (!same)
    throw InputError(path + ": the model's parameter blocks (" +
                     std::to_string(model.blocks.size()) + " blocks, " +
                     std::to_string(model.parameters.size()) +
                     " parameters) do not match the flow built from this input (" +
                     std::to_string(blocks.size()) + " blocks, " +
                     std::to_string(flow.parameters().size()) + " parameters)");
  from_vector(model.parameters, flow.parameters().values());
  if (adam) {
    if (!model.has_optimizer)
      throw InputError(path + ": no optimizer state (/model/optimizer) to continue training from");
    from_vector(model.adam_m, adam->first_moment());
    from_vector(model.adam_v, adam->second_moment());
    adam->set_steps_taken(model.adam_step);
  }
}

}  // namespace flowlat
