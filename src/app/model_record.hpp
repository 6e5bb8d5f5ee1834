// The /model group of an ensemble sampled with a flow (sample, hybrid): which
// model proposed, identified by its parameter hash.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "flowlat/io/model_file.hpp"

namespace flowlat {

// path, params_hash, n_params, training_steps, trained_theory,
// trained_couplings, trained_shape, transferred, then the architecture keys.
std::vector<std::pair<std::string, std::string>> model_record(const ModelFileContents& model,
                                                              bool transferred);

}  // namespace flowlat
