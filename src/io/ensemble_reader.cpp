// EnsembleReader: the serial reader of ensemble files (default file driver,
// read-only). A malformed file is an InputError naming the file and object.
#include "flowlat/io/ensemble_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "flowlat/core/error.hpp"
#include "flowlat/io/h5_handle.hpp"

namespace flowlat {

namespace {

using h5::check;

// The shortest text that reads back to exactly `v` (10 -> "10", 0.1 -> "0.1").
std::string shortest(double v) {
  char text[64];
  const auto r = std::to_chars(text, text + sizeof text, v);
  return std::string(text, r.ptr);
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

herr_t collect_link(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->push_back(name);
  return 0;
}

herr_t collect_attr(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->push_back(name);
  return 0;
}

}  // namespace

struct EnsembleReader::Impl {
  std::string path;
  h5::File file;
  h5::Group ensemble;

  InputError malformed(const std::string& what) const { return InputError(path + ": " + what); }

  // An attribute of `object` (at `where`) rendered as text.
  std::string render(hid_t object, const std::string& where, const std::string& name) const {
    const std::string what = "read attribute " + where + name + " in '" + path + "'";
    if (check(H5Aexists(object, name.c_str()), what) <= 0)
      throw malformed("no attribute " + where + name);
    h5::Attribute attr(check(H5Aopen(object, name.c_str(), H5P_DEFAULT), what));
    h5::Datatype type(check(H5Aget_type(attr.get()), what));
    h5::Dataspace space(check(H5Aget_space(attr.get()), what));
    const hssize_t points = check(H5Sget_simple_extent_npoints(space.get()), what);
    const std::size_t n = std::size_t(points);
    std::vector<std::string> items;
    switch (H5Tget_class(type.get())) {
      case H5T_STRING: {
        if (check(H5Tis_variable_str(type.get()), what) > 0) {
          h5::Datatype mem(check(H5Tcopy(H5T_C_S1), what));
          check(H5Tset_size(mem.get(), H5T_VARIABLE), what);
          check(H5Tset_cset(mem.get(), H5Tget_cset(type.get())), what);
          std::vector<char*> ptrs(std::max<std::size_t>(n, 1), nullptr);
          check(H5Aread(attr.get(), mem.get(), ptrs.data()), what);
          for (std::size_t i = 0; i < n; ++i) items.emplace_back(ptrs[i] ? ptrs[i] : "");
          H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
        } else {
          const std::size_t size = H5Tget_size(type.get());
          std::vector<char> buf(std::max<std::size_t>(n * size, 1), '\0');
          check(H5Aread(attr.get(), type.get(), buf.data()), what);
          for (std::size_t i = 0; i < n; ++i) {
            std::string s(buf.data() + i * size, size);
            const auto end = s.find('\0');
            if (end != std::string::npos) s.resize(end);
            if (H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD)
              s.erase(s.find_last_not_of(' ') + 1);
            items.push_back(s);
          }
        }
        break;
      }
      case H5T_INTEGER: {
        if (H5Tget_sign(type.get()) == H5T_SGN_NONE) {
          std::vector<unsigned long long> v(std::max<std::size_t>(n, 1));
          check(H5Aread(attr.get(), H5T_NATIVE_ULLONG, v.data()), what);
          for (std::size_t i = 0; i < n; ++i) items.push_back(std::to_string(v[i]));
        } else {
          std::vector<long long> v(std::max<std::size_t>(n, 1));
          check(H5Aread(attr.get(), H5T_NATIVE_LLONG, v.data()), what);
          for (std::size_t i = 0; i < n; ++i) items.push_back(std::to_string(v[i]));
        }
        break;
      }
      case H5T_FLOAT: {
        std::vector<double> v(std::max<std::size_t>(n, 1));
        check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, v.data()), what);
        for (std::size_t i = 0; i < n; ++i) items.push_back(shortest(v[i]));
        break;
      }
      case H5T_ENUM: {  // h5py's bool {FALSE, TRUE} reads as false/true
        const std::size_t size = H5Tget_size(type.get());
        std::vector<unsigned char> buf(std::max<std::size_t>(n * size, 1));
        check(H5Aread(attr.get(), type.get(), buf.data()), what);
        for (std::size_t i = 0; i < n; ++i) {
          char member[256] = {0};
          check(H5Tenum_nameof(type.get(), buf.data() + i * size, member, sizeof member), what);
          items.push_back(lower(member));
        }
        break;
      }
      default:
        throw malformed("attribute " + where + name + " has a type flowlat does not read");
    }
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
    return out;
  }

  std::int64_t int_attr(hid_t object, const std::string& where, const std::string& name) const {
    const std::string what = "read attribute " + where + name + " in '" + path + "'";
    if (check(H5Aexists(object, name.c_str()), what) <= 0)
      throw malformed("no attribute " + where + name);
    h5::Attribute attr(check(H5Aopen(object, name.c_str(), H5P_DEFAULT), what));
    long long v = 0;
    check(H5Aread(attr.get(), H5T_NATIVE_LLONG, &v), what);
    return v;
  }

  bool exists(hid_t parent, const std::string& link) const {
    // H5Lexists on a path checks each component; a missing group is "no".
    const htri_t r = H5Lexists(parent, link.c_str(), H5P_DEFAULT);
    if (r < 0) h5::take_error_text();
    return r > 0;
  }

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
  std::vector<double> series(const std::string& full, const std::string& kind,
                             const std::string& name, std::int64_t entries) const {
    const h5::Dataset d = dataset(full, kind, name);
    const auto shape = dims(d, full);
    if (shape.size() < 2) throw malformed(full + " is not [chain][entry]");
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

  // Attribute names of a group in creation order (alphabetical if not tracked).
  std::vector<std::string> attr_names(const std::string& group) const {
    const std::string what = "list the attributes of " + group + " in '" + path + "'";
    h5::Group g(check(H5Gopen2(file.get(), group.c_str(), H5P_DEFAULT), what));
    std::vector<std::string> names;
    if (H5Aiterate2(g.get(), H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect_attr, &names) < 0) {
      h5::take_error_text();
      names.clear();
      check(H5Aiterate2(g.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_attr, &names), what);
    }
    return names;
  }

  std::vector<std::string> links(const std::string& group) const {
    std::vector<std::string> names;
    if (!exists(file.get(), group)) return names;
    h5::Group g(check(H5Gopen2(file.get(), group.c_str(), H5P_DEFAULT),
                      "open " + group + " in '" + path + "'"));
    if (H5Literate(g.get(), H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect_link, &names) < 0) {
      h5::take_error_text();  // creation order not tracked: alphabetical
      names.clear();
      check(H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_link, &names),
            "list " + group + " in '" + path + "'");
    }
    return names;
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
  return impl_->render(impl_->file.get(), "/", name);
}

bool EnsembleReader::has_root_attr(const std::string& name) const {
  return H5Aexists(impl_->file.get(), name.c_str()) > 0;
}

bool EnsembleReader::complete() const {
  return has_root_attr("complete") && impl_->int_attr(impl_->file.get(), "/", "complete") != 0;
}

std::int64_t EnsembleReader::n_chain() const {
  return impl_->int_attr(impl_->ensemble.get(), "/ensemble/", "n_chain");
}
std::int64_t EnsembleReader::n_saved() const {
  return impl_->int_attr(impl_->ensemble.get(), "/ensemble/", "n_saved");
}
std::int64_t EnsembleReader::n_records() const {
  return impl_->int_attr(impl_->ensemble.get(), "/ensemble/", "n_records");
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
  return impl_->series("/ensemble/obs/" + name, "observable", name, n_saved());
}

std::int64_t EnsembleReader::corr_length(const std::string& name) const {
  const std::string full = "/ensemble/corr/" + name;
  const auto shape = impl_->dims(impl_->dataset(full, "correlator", name), full);
  if (shape.size() != 3) throw impl_->malformed(full + " is not [chain][saved][length]");
  return std::int64_t(shape[2]);
}

std::vector<double> EnsembleReader::corr(const std::string& name) const {
  return impl_->series("/ensemble/corr/" + name, "correlator", name, n_saved());
}

std::vector<double> EnsembleReader::record(const std::string& name) const {
  return impl_->series("/ensemble/mcmc/" + name, "MCMC record", name, n_records());
}

std::vector<double> EnsembleReader::configs() const {
  return impl_->series("/ensemble/configs", "dataset", "configs", n_saved());
}

std::string EnsembleReader::config_value(const std::string& key) const {
  if (!impl_->exists(impl_->file.get(), "config")) throw impl_->malformed("no /config group");
  h5::Group g(check(H5Gopen2(impl_->file.get(), "config", H5P_DEFAULT),
                    "open /config in '" + impl_->path + "'"));
  return impl_->render(g.get(), "/config/", key);
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
