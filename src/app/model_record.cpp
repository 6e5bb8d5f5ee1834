// model_record: the /model attributes of a flow-sampled ensemble.
#include "model_record.hpp"

#include "flowlat/core/comma_list.hpp"
#include "flowlat/io/h5_attributes.hpp"

namespace flowlat {

std::vector<std::pair<std::string, std::string>> model_record(const ModelFileContents& m,
                                                              bool transferred) {
  std::string couplings;
  for (const auto& [name, value] : m.couplings)
    couplings += (couplings.empty() ? "" : ",") + name + "=" + h5::shortest_text(value);
  std::vector<std::pair<std::string, std::string>> out = {
      {"path", m.path},
      {"params_hash", m.params_hash},
      {"n_params", std::to_string(m.parameters.size())},
      {"training_steps", std::to_string(m.adam_step)},
      {"trained_theory", m.theory_name},
      {"trained_couplings", couplings},
      {"trained_shape", comma_list(m.shape)},
      {"transferred", transferred ? "true" : "false"}};
  for (const auto& [key, value] : m.architecture_keys) out.emplace_back(key, value);
  return out;
}

}  // namespace flowlat
