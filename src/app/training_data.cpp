// Forward-KL training data: the configurations of an ensemble file.
#include "training_data.hpp"

#include <cstdlib>

#include "flowlat/core/comma_list.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/io/ensemble_reader.hpp"
#include "flowlat/io/h5_attributes.hpp"

namespace flowlat {

Field read_training_data(const std::string& path, const Theory& theory) {
  const std::string where = "train.data: ensemble '" + path + "'";
  try {
    const EnsembleReader reader(path);
    if (reader.field_shape() != theory.field_shape())
      throw InputError(where + " has configurations of shape " + comma_list(reader.field_shape()) +
                       ", this run has " + comma_list(theory.field_shape()));
    // Training at one point on an ensemble of another is almost surely a
    // mistake: the forward-KL model would target the wrong distribution.
    if (reader.has_config_value("theory.name") &&
        reader.config_value("theory.name") != theory.name())
      throw InputError(where + " was generated with theory.name = " +
                       reader.config_value("theory.name") + ", this run has " + theory.name());
    for (const auto& [name, value] : theory.couplings()) {
      const std::string key = "theory." + name;
      if (!reader.has_config_value(key)) continue;
      const std::string text = reader.config_value(key);
      if (std::strtod(text.c_str(), nullptr) != value)
        throw InputError(where + " was generated with " + key + " = " + text +
                         ", this run has " + h5::shortest_text(value));
    }
    const std::int64_t chains = reader.n_chain(), saved = reader.n_saved();
    if (chains < 1 || saved < 0)
      throw InputError(where + " has n_chain = " + std::to_string(chains) + ", n_saved = " +
                       std::to_string(saved) + " (corrupt /ensemble attributes)");
    if (saved == 0) throw InputError(where + " holds no saved configurations");
    // configs() checks the attributes against the dataset extents; the copy
    // below relies on the size, so it is checked here once more
    const std::vector<double> configs = reader.configs();
    const std::int64_t n = chains * saved;
    if (configs.size() != std::size_t(n) * std::size_t(theory.dof()))
      throw InputError(where + " holds " + std::to_string(configs.size()) +
                       " values, n_chain x n_saved x sites = " +
                       std::to_string(n * theory.dof()));
    Field data("train.data", n, theory.dof());
    auto host = Kokkos::create_mirror_view(data);
    for (std::int64_t i = 0; i < n; ++i)
      for (index_t x = 0; x < theory.dof(); ++x)
        host(i, x) = configs[std::size_t(i) * std::size_t(theory.dof()) + std::size_t(x)];
    Kokkos::deep_copy(data, host);
    return data;
  } catch (const InputError& e) {
    const std::string what = e.what();
    if (what.rfind("train.data", 0) == 0) throw;
    throw InputError("train.data: " + what);
  }
}

}  // namespace flowlat
