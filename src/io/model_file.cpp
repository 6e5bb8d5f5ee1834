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

// 2: the architecture as flow.* keys in /model/architecture and each layer's
// type and mask in /model/layers (1: affine attributes on /model, still read).
constexpr int kModelFormatVersion = 2;
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
  {
    // the flow.* keys the flow was built from: with the theory, all it takes to rebuild it
    const h5::Group group = h5::create_group(model, "architecture");
    const h5::ObjectRef arch{group.get(), "/model/architecture", root.file};
    for (const auto& [key, value] : flow_architecture_keys(config))
      h5::write_string_attr(arch, key, value);
  }
  {
    // what each layer is, for a reader without flowlat
    const h5::Group group = h5::create_group(model, "layers");
    const h5::ObjectRef layers{group.get(), "/model/layers", root.file};
    h5::write_string_attr(layers, "prior", flow.prior().name());
    for (std::size_t k = 0; k < flow.layers().size(); ++k)
      h5::write_string_attr(layers, "layer" + std::to_string(k),
                            flow.layers()[k]->type() + ": " + flow.layers()[k]->mask());
  }
  h5::write_string_attr(model, "theory.name", theory.name());
  h5::write_string_attr(model, "trained_precision",
                        net_precision_name(flow.architecture().coupling.precision));
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

std::vector<std::pair<std::string, std::string>> read_architecture_keys(
    const h5::ObjectRef& model) {
  const h5::Group group = h5::open_group(model, "architecture");
  const h5::ObjectRef arch{group.get(), "/model/architecture", model.file};
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& name : h5::attr_names(arch))
    keys.emplace_back(name, h5::read_attr_text(arch, name));
  return keys;
}

// Format 1 (phi4 affine flows only): one attribute per option on /model.
std::vector<std::pair<std::string, std::string>> read_legacy_architecture_keys(
    const h5::ObjectRef& model) {
  const std::string final_activation = h5::read_attr_text(model, "final_activation");
  return {{"flow.layers", std::to_string(h5::read_int_attr(model, "n_layers"))},
          {"flow.hidden", h5::read_attr_text(model, "hidden")},
          {"flow.kernel", std::to_string(h5::read_int_attr(model, "kernel"))},
          {"flow.coupling", h5::read_attr_text(model, "coupling")},
          {"flow.equivariance", h5::read_attr_text(model, "equivariance")},
          {"flow.activation", h5::read_attr_text(model, "hidden_activation")},
          {"flow.final_tanh", final_activation == "tanh"       ? "true"
                              : final_activation == "identity" ? "false"
                                                               : final_activation}};
}

// The architecture the keys describe, read as an input of the model's theory
// would be; InputError naming the attribute if one is not valid.
FlowArchitecture architecture_from_keys(const ModelFileContents& c, const std::string& path) {
  Config config;
  try {
    config = Config(c.theory_name);
  } catch (const InputError&) {
    throw InputError(path + ": the model is a flow of theory '" + c.theory_name +
                     "', which this build does not know");
  }
  for (const auto& [key, value] : c.architecture_keys) {
    try {
      config.set(key, value);
    } catch (const InputError& e) {
      throw InputError(path + ": architecture attribute " + key + " = '" + value +
                       "' is not valid (" + e.what() + ")");
    }
  }
  try {
    return flow_architecture(config);
  } catch (const InputError& e) {
    throw InputError(path + ": architecture not valid (" + e.what() + ")");
  }
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
  c.theory_name = h5::read_attr_text(model, "theory.name");
  if (h5::has_attr(model, "trained_precision")) {
    c.trained_precision = h5::read_attr_text(model, "trained_precision");
    try {
      net_precision_from_name(c.trained_precision);
    } catch (const InputError&) {
      throw InputError(path + ": /model/trained_precision = '" + c.trained_precision +
                       "' is not float32 or float64 (corrupt file)");
    }
  }
  for (const auto& name : h5::attr_names(model))
    if (name.rfind("theory.", 0) == 0 && name != "theory.name")
      c.couplings.emplace_back(name.substr(7), h5::read_double_attr(model, name));
  c.shape = parse_int_list(h5::read_attr_text(model, "lattice.shape"), path, "/model/lattice.shape");
  c.architecture_keys = h5::link_exists(model.id, "architecture")
                            ? read_architecture_keys(model)
                            : read_legacy_architecture_keys(model);
  c.architecture = architecture_from_keys(c, path);
  if (h5::link_exists(model.id, "layers")) {
    const h5::Group group = h5::open_group(model, "layers");
    const h5::ObjectRef layers{group.get(), "/model/layers", path};
    for (const auto& name : h5::attr_names(layers))
      c.layers.emplace_back(name, h5::read_attr_text(layers, name));
  }

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
    if (!config.has(key))
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
                       " (sample.transfer, hybrid.transfer and train.transfer = true use it on another lattice)");
  } else if (model.shape.size() != shape.size()) {
    throw InputError("lattice.shape: model file '" + path + "' was trained in " +
                     std::to_string(model.shape.size()) + " dimensions (lattice.shape = " +
                     comma_list(model.shape) + "), this run has " + std::to_string(shape.size()) +
                     "; sample.transfer needs the same dimension");
  }

  // every flow.* key the model was built from, as this run would set it
  for (const auto& [key, in_file] : model.architecture_keys) {
    if (!config.has(key))
      throw InputError(key + ": model file '" + path + "' was trained with " + key + " = " +
                       in_file + ", a key this run's theory does not have");
    differ(key, in_file, config.get_string(key));
  }
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
