// The [flow] and [train] input keys turned into a FlowArchitecture and
// AdamOptions (every check that the key table cannot express is here, as an
// InputError naming the key), and the input-key spelling of each option.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "flowlat/flow/adam.hpp"
#include "flowlat/flow/flow.hpp"

namespace flowlat {

class Config;

// flow.layers, flow.hidden, flow.kernel (must be odd), flow.equivariance,
// flow.activation, flow.final_tanh (tanh or identity on the CNN output).
FlowArchitecture flow_architecture(const Config& config);

// The flow.* keys that define the architecture (all but flow.model), as
// (key, value) in key order: what model files store and runs compare.
std::vector<std::pair<std::string, std::string>> flow_architecture_keys(const Config& config);
// A model's architecture with this run's choices (flow.precision) applied.
FlowArchitecture architecture_for_run(FlowArchitecture model_architecture, const Config& config);

// train.lr, beta1, beta2 (< 1), eps, clip_norm, lr_schedule, lr_min;
// total_steps = train.steps (the length of the cosine schedule).
AdamOptions adam_options(const Config& config);

// The spelling of flow.equivariance and of model files: "none" | "z2"
// (activations: activation_name() in activation.hpp).
std::string equivariance_to_name(Equivariance equivariance);

}  // namespace flowlat
