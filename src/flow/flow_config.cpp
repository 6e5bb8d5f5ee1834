// Config -> FlowArchitecture / AdamOptions.
#include "flowlat/flow/flow_config.hpp"

#include "flowlat/core/config.hpp"
#include "flowlat/core/error.hpp"

namespace flowlat {

FlowArchitecture flow_architecture(const Config& config) {
  FlowArchitecture a;
  a.n_layers = int(config.get_int("flow.layers"));
  a.coupling.hidden = config.get_int_list("flow.hidden");
  const long long kernel = config.get_int("flow.kernel");
  if (kernel % 2 == 0)
    throw InputError("flow.kernel: value '" + std::to_string(kernel) +
                     "' must be odd (a k^d stencil centred on the site)");
  a.coupling.kernel = int(kernel);
  a.coupling_type = config.get_string("flow.coupling");
  a.coupling.hidden_activation = activation_from_name(config.get_string("flow.activation"));
  // options only some theories' couplings have (their keys exist only there)
  if (config.has("flow.equivariance"))
    a.coupling.equivariance = equivariance_from_name(config.get_string("flow.equivariance"));
  if (config.has("flow.final_tanh"))
    a.coupling.final_activation =
        config.get_bool("flow.final_tanh") ? Activation::Tanh : Activation::Identity;
  if (config.has("flow.components")) a.coupling.components = int(config.get_int("flow.components"));
  if (config.has("flow.prior")) a.prior = config.get_string("flow.prior");
  return architecture_for_run(a, config);
}

std::vector<std::pair<std::string, std::string>> flow_architecture_keys(const Config& config) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, value] : config.items())
    if (key.rfind("flow.", 0) == 0 && key != "flow.model" && key != "flow.precision")
      out.emplace_back(key, value);
  return out;
}

FlowArchitecture architecture_for_run(FlowArchitecture a, const Config& config) {
  a.coupling.precision = net_precision_from_name(config.get_string("flow.precision"));
  return a;
}

AdamOptions adam_options(const Config& config) {
  AdamOptions o;
  o.lr = config.get_real("train.lr");
  o.beta1 = config.get_real("train.beta1");
  o.beta2 = config.get_real("train.beta2");
  for (const char* key : {"train.beta1", "train.beta2"})
    if (!(config.get_real(key) < 1.0))
      throw InputError(std::string(key) + ": value '" + config.get_string(key) +
                       "' out of range, must be < 1");
  o.eps = config.get_real("train.eps");
  o.clip_norm = config.get_real("train.clip_norm");
  o.schedule = lr_schedule_from_name(config.get_string("train.lr_schedule"));
  o.lr_min = config.get_real("train.lr_min");
  o.total_steps = config.get_int("train.steps");
  return o;
}

Equivariance equivariance_from_name(const std::string& name) {
  if (name == "none") return Equivariance::None;
  if (name == "z2") return Equivariance::Z2;
  throw InputError("flow.equivariance: unknown value '" + name + "', expected none|z2");
}

std::string equivariance_to_name(Equivariance equivariance) {
  switch (equivariance) {
    case Equivariance::None:
      return "none";
    case Equivariance::Z2:
      return "z2";
  }
  return "unknown";
}

}  // namespace flowlat
