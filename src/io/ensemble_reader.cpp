// EnsembleReader: the serial reader of ensemble files (default file driver,
// read-only). A malformed file is an InputError naming the file and object.
#include "flowlat/io/ensemble_reader.hpp"

#include <algorithm>
#include <filesystem>

#include "flowlat/core/error.hpp"
#include "flowlat/io/h5_attributes.hpp"
#include "flowlat/io/h5_handle.hpp"

namespace flowlat {

namespace {
using h5::check;
}  // namespace

struct EnsembleReader::Impl {
  std::string path;
  h5::File file;
  h5::Group ensemble;

  InputError malformed(const std::string& what) const { return InputError(path + ": " + what); }

  h5::ObjectRef ref(hid_t object, const std::string& where) const {
    return h5::ObjectRef{object, where, path};
  }

  bool exists(hid_t parent, const std::string& link) const { return h5::link_exists(parent, link); }

  h5::Dataset dataset(const std::string& full, const std::string& kind,
                      const std::string& name) const {
    if (name.empty() || name.find('/') != std::string::npos || !exists(file.get(), full))
      throw malformed("no " + kind + " '" + name + "' (" + full + ")");
    return h5::Dataset(check(H5Dopen2(file.get(), full.c_str(), H5P_DEFAULT),
                             "open " + full + " in '" + path + "'"));
  }

  std::vector<hsize_t> dims(const h5::Dataset& d, const std::string& full) const {
    const std::string what = "read the shape of " + full + " in '" + path + "'";
    h5::Dataspace space(check(H5Dget_space(d.get()), what));
    const int rank = check(H5Sget_simple_extent_ndims(space.get()), what);
    std::vector<hsize_t> out(std::size_t(std::max(rank, 0)));
    check(H5Sget_simple_extent_dims(space.get(), out.data(), nullptr), what);
    return out;
  }

  // The first `entries` entries of every chain of a [n_chain][n][...] dataset.
  // The attributes are checked against the extents: a file whose n_chain or
  // n_saved promise more than its datasets hold must not be read past them.
  std::vector<double> series(const std::string& full, const std::string& kind,
                             const std::string& name, std::int64_t chains,
                             std::int64_t entries) const {
    const h5::Dataset d = dataset(full, kind, name);
    const auto shape = dims(d, full);
    if (shape.size() < 2) throw malformed(full + " is not [chain][entry]");
    if (chains < 1 || entries < 0)
      throw malformed("/ensemble attributes n_chain = " + std::to_string(chains) +
                      ", entries = " + std::to_string(entries) + " are not counts");
    if (std::int64_t(shape[0]) != chains)
      throw malformed(full + " holds " + std::to_string(shape[0]) + " chains, the /ensemble "
                      "attribute n_chain says " + std::to_string(chains));
    if (std::int64_t(shape[1]) < entries)
      throw malformed(full + " holds " + std::to_string(shape[1]) + " entries per chain, the "
                      "/ensemble attributes promise " + std::to_string(entries));
    std::vector<hsize_t> count = shape;
    count[1] = hsize_t(entries);
    std::size_t total = 1;
    for (auto c : count) total *= std::size_t(c);
    std::vector<double> out(total);
    if (total == 0) return out;
    const std::string what = "read " + full + " in '" + path + "'";
    h5::Dataspace file_space(check(H5Dget_space(d.get()), what));
    const std::vector<hsize_t> start(shape.size(), 0);
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                              count.data(), nullptr),
          what);
    const hsize_t mem_dim = total;
    h5::Dataspace mem_space(check(H5Screate_simple(1, &mem_dim, nullptr), what));
    check(H5Dread(d.get(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), H5P_DEFAULT,
                  out.data()),
          what);
    return out;
  }

  // The hyperslab start/count of dataset `full` (trailing axes: all of them
  // when start/count are shorter), checked against its extents.
  std::vector<double> block(const std::string& full, const std::string& kind,
                            const std::string& name, std::vector<hsize_t> start,
                            std::vector<hsize_t> count) const {
    const h5::Dataset d = dataset(full, kind, name.substr(name.rfind('/') + 1));
    const auto shape = dims(d, full);
    if (shape.size() < start.size()) throw malformed(full + " has fewer axes than expected");
    for (std::size_t a = start.size(); a < shape.size(); ++a)
      start.push_back(0), count.push_back(shape[a]);
    std::size_t total = 1;
    for (std::size_t a = 0; a < shape.size(); ++a) {
      if (start[a] + count[a] > shape[a])
        throw malformed(full + " holds " + std::to_string(shape[a]) + " entries along axis " +
                        std::to_string(a) + ", " + std::to_string(start[a] + count[a]) +
                        " were expected");
      total *= std::size_t(count[a]);
    }
    std::vector<double> out(total);
    if (total == 0) return out;
    const std::string what = "read " + full + " in '" + path + "'";
    h5::Dataspace file_space(check(H5Dget_space(d.get()), what));
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                              nullptr),
          what);
    const hsize_t mem_dim = total;
    h5::Dataspace mem_space(check(H5Screate_simple(1, &mem_dim, nullptr), what));
    check(H5Dread(d.get(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), H5P_DEFAULT,
                  out.data()),
          what);
    return out;
  }

  // Attribute names of a group in creation order (alphabetical if not tracked).
  std::vector<std::string> attr_names(const std::string& group) const {
    const h5::Group g = h5::open_group(ref(file.get(), "/"), group);
    return h5::attr_names(ref(g.get(), group));
  }

  std::vector<std::string> links(const std::string& group) const {
    if (!exists(file.get(), group)) return {};
    const h5::Group g = h5::open_group(ref(file.get(), "/"), group);
    return h5::link_names(ref(g.get(), group));
  }
};

EnsembleReader::EnsembleReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  h5::silence_errors();
  impl_->path = path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw InputError(path + ": cannot open HDF5 file (no such file)");
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    const std::string reason = h5::take_error_text();
    throw InputError(path + ": cannot open HDF5 file" + (reason.empty() ? "" : " (" + reason + ")"));
  }
  impl_->file = h5::File(id);
  if (!impl_->exists(id, "ensemble"))
    throw InputError(path + ": not a flowlat ensemble (no /ensemble group)");
  impl_->ensemble = h5::Group(
      check(H5Gopen2(id, "ensemble", H5P_DEFAULT), "open /ensemble in '" + path + "'"));
}

EnsembleReader::~EnsembleReader() = default;
EnsembleReader::EnsembleReader(EnsembleReader&&) noexcept = default;
EnsembleReader& EnsembleReader::operator=(EnsembleReader&&) noexcept = default;

const std::string& EnsembleReader::path() const { return impl_->path; }

std::string EnsembleReader::root_attr(const std::string& name) const {
  return h5::read_attr_text(impl_->ref(impl_->file.get(), "/"), name);
}

bool EnsembleReader::has_root_attr(const std::string& name) const {
  return H5Aexists(impl_->file.get(), name.c_str()) > 0;
}

std::string EnsembleReader::group_attr(const std::string& group, const std::string& name) const {
  const h5::Group g = h5::open_group(impl_->ref(impl_->file.get(), "/"), group);
  return h5::read_attr_text(impl_->ref(g.get(), "/" + group), name);
}

bool EnsembleReader::complete() const {
  return has_root_attr("complete") &&
         h5::read_int_attr(impl_->ref(impl_->file.get(), "/"), "complete") != 0;
}

std::int64_t EnsembleReader::n_chain() const {
  return h5::read_int_attr(impl_->ref(impl_->ensemble.get(), "/ensemble"), "n_chain");
}
std::int64_t EnsembleReader::n_saved() const {
  return h5::read_int_attr(impl_->ref(impl_->ensemble.get(), "/ensemble"), "n_saved");
}
std::int64_t EnsembleReader::n_records() const {
  return h5::read_int_attr(impl_->ref(impl_->ensemble.get(), "/ensemble"), "n_records");
}

std::vector<std::int64_t> EnsembleReader::field_shape() const {
  const std::string full = "/ensemble/configs";
  const auto shape = impl_->dims(impl_->dataset(full, "dataset", "configs"), full);
  if (shape.size() < 3) throw impl_->malformed(full + " is not [chain][saved][field...]");
  return std::vector<std::int64_t>(shape.begin() + 2, shape.end());
}

std::vector<std::string> EnsembleReader::obs_names() const { return impl_->links("/ensemble/obs"); }
std::vector<std::string> EnsembleReader::corr_names() const {
  return impl_->links("/ensemble/corr");
}
std::vector<std::string> EnsembleReader::record_names() const {
  return impl_->links("/ensemble/mcmc");
}

std::vector<double> EnsembleReader::obs(const std::string& name) const {
  return impl_->series("/ensemble/obs/" + name, "observable", name, n_chain(), n_saved());
}

std::optional<double> EnsembleReader::obs_expectation_by_symmetry(const std::string& name) const {
  const std::string full = "/ensemble/obs/" + name;
  const h5::Dataset d = impl_->dataset(full, "observable", name);
  const h5::ObjectRef ref{d.get(), full, impl_->path};
  if (!h5::has_attr(ref, "expectation_by_symmetry")) return std::nullopt;
  return h5::read_double_attr(ref, "expectation_by_symmetry");
}

std::int64_t EnsembleReader::corr_length(const std::string& name) const {
  const std::string full = "/ensemble/corr/" + name;
  const auto shape = impl_->dims(impl_->dataset(full, "correlator", name), full);
  if (shape.size() != 3) throw impl_->malformed(full + " is not [chain][saved][length]");
  return std::int64_t(shape[2]);
}

std::vector<double> EnsembleReader::corr(const std::string& name) const {
  return impl_->series("/ensemble/corr/" + name, "correlator", name, n_chain(), n_saved());
}

std::vector<double> EnsembleReader::record(const std::string& name) const {
  return impl_->series("/ensemble/mcmc/" + name, "MCMC record", name, n_chain(), n_records());
}

std::vector<double> EnsembleReader::configs() const {
  return impl_->series("/ensemble/configs", "dataset", "configs", n_chain(), n_saved());
}

std::vector<double> EnsembleReader::rows(const std::string& name, std::int64_t first,
                                         std::int64_t count, std::int64_t entries) const {
  if (first < 0 || count < 0 || entries < 0)
    throw impl_->malformed("negative chain range or entry count for " + name);
  return impl_->block("/ensemble/" + name, "series", name, {hsize_t(first), 0},
                      {hsize_t(count), hsize_t(entries)});
}

std::int64_t EnsembleReader::stored_entries(const std::string& name) const {
  const std::string full = "/ensemble/" + name;
  const auto shape =
      impl_->dims(impl_->dataset(full, "series", name.substr(name.rfind('/') + 1)), full);
  if (shape.size() < 2) throw impl_->malformed(full + " is not [chain][entry]");
  return std::int64_t(shape[1]);
}

std::vector<std::int64_t> EnsembleReader::resume_updates() const {
  if (!impl_->exists(impl_->file.get(), "resume")) return {};
  const h5::Group g = h5::open_group(impl_->ref(impl_->file.get(), "/"), "resume");
  const auto updates = h5::read_int_array_attr(impl_->ref(g.get(), "/resume"), "updates");
  if (updates.size() != 2) throw impl_->malformed("/resume attribute updates is not [2]");
  return updates;
}

std::vector<double> EnsembleReader::resume_state(const std::string& name, int slot,
                                                 std::int64_t first, std::int64_t count) const {
  if (slot < 0 || slot > 1 || first < 0 || count < 0)
    throw impl_->malformed("bad slot or chain range for /resume/" + name);
  return impl_->block("/resume/" + name, "resume state", name, {hsize_t(slot), hsize_t(first)},
                      {1, hsize_t(count)});
}

std::string EnsembleReader::config_value(const std::string& key) const {
  if (!impl_->exists(impl_->file.get(), "config")) throw impl_->malformed("no /config group");
  h5::Group g(check(H5Gopen2(impl_->file.get(), "config", H5P_DEFAULT),
                    "open /config in '" + impl_->path + "'"));
  return h5::read_attr_text(impl_->ref(g.get(), "/config"), key);
}

bool EnsembleReader::has_config_value(const std::string& key) const {
  if (!impl_->exists(impl_->file.get(), "config")) return false;
  h5::Group g(check(H5Gopen2(impl_->file.get(), "config", H5P_DEFAULT),
                    "open /config in '" + impl_->path + "'"));
  return H5Aexists(g.get(), key.c_str()) > 0;
}

std::vector<std::string> EnsembleReader::config_keys() const {
  if (!impl_->exists(impl_->file.get(), "config")) return {};
  return impl_->attr_names("/config");
}

std::vector<std::pair<std::string, double>> EnsembleReader::summary() const {
  std::vector<std::pair<std::string, double>> out;
  const std::string where = "/ensemble/summary";
  if (!impl_->exists(impl_->file.get(), where)) return out;
  const std::string what = "read " + where + " in '" + impl_->path + "'";
  h5::Group g(check(H5Gopen2(impl_->file.get(), where.c_str(), H5P_DEFAULT), what));
  const auto names = impl_->attr_names(where);
  for (const auto& name : names) {
    h5::Attribute attr(check(H5Aopen(g.get(), name.c_str(), H5P_DEFAULT), what));
    double v = 0;
    check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v), what + " attribute " + name);
    out.emplace_back(name, v);
  }
  return out;
}

}  // namespace flowlat
