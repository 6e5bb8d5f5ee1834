// HDF5 attribute helpers: one implementation of typed attributes, the
// /config group and attribute rendering for every flowlat file.
#include "flowlat/io/h5_attributes.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <map>

#include "flowlat/core/config.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/simd_dispatch.hpp"
#include "flowlat/core/version_info.hpp"

namespace flowlat::h5 {

namespace {

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

// Opens attribute `name` for reading; InputError if there is none.
Attribute open_for_reading(const ObjectRef& object, const std::string& name,
                           const std::string& what) {
  if (check(H5Aexists(object.id, name.c_str()), what) <= 0)
    throw InputError(object.file + ": no attribute " + object.child(name));
  return Attribute(check(H5Aopen(object.id, name.c_str(), H5P_DEFAULT), what));
}

std::string read_what(const ObjectRef& object, const std::string& name) {
  return "read attribute " + object.child(name) + object.in();
}

}  // namespace

// ---- types and creation properties ------------------------------------------

Datatype string_type(std::size_t length, const std::string& what) {
  Datatype t(check(H5Tcopy(H5T_C_S1), what));
  check(H5Tset_size(t.get(), std::max<std::size_t>(length, 1)), what);
  check(H5Tset_strpad(t.get(), H5T_STR_NULLPAD), what);
  check(H5Tset_cset(t.get(), H5T_CSET_UTF8), what);
  return t;
}

Datatype bool_type(const std::string& what) {
  Datatype t(check(H5Tenum_create(H5T_STD_I8LE), what));
  std::int8_t v = 0;
  check(H5Tenum_insert(t.get(), "FALSE", &v), what);
  v = 1;
  check(H5Tenum_insert(t.get(), "TRUE", &v), what);
  return t;
}

void track_order(hid_t plist, const std::string& what) {
  const unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  check(H5Pset_link_creation_order(plist, order), what);
  check(H5Pset_attr_creation_order(plist, order), what);
  check(H5Pset_attr_phase_change(plist, kMaxCompactAttrs, kMaxCompactAttrs - 24), what);
}

Group create_group(const ObjectRef& parent, const std::string& name) {
  const std::string what = "create group " + parent.child(name) + parent.in();
  PropList gcpl(check(H5Pcreate(H5P_GROUP_CREATE), what));
  track_order(gcpl.get(), what);
  return Group(
      check(H5Gcreate2(parent.id, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), what));
}

Group open_group(const ObjectRef& parent, const std::string& path) {
  const std::string full = path.rfind('/', 0) == 0 ? path : parent.child(path);
  return Group(check(H5Gopen2(parent.id, path.c_str(), H5P_DEFAULT),
                     "open " + full + parent.in()));
}

// ---- writing ------------------------------------------------------------------

void write_attr(const ObjectRef& object, const std::string& name, hid_t type, const void* data) {
  const std::string what = "write attribute " + object.child(name) + object.in();
  Dataspace space(check(H5Screate(H5S_SCALAR), what));
  Attribute attr(
      check(H5Acreate2(object.id, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT), what));
  check(H5Awrite(attr.get(), type, data), what);
}

void write_string_attr(const ObjectRef& object, const std::string& name, const std::string& value) {
  const Datatype t = string_type(value.size(), "string type for " + name);
  std::string padded = value;
  padded.resize(std::max<std::size_t>(value.size(), 1), '\0');
  write_attr(object, name, t.get(), padded.data());
}

void write_int32_attr(const ObjectRef& object, const std::string& name, std::int32_t value) {
  write_attr(object, name, H5T_STD_I32LE, &value);
}

void write_int64_attr(const ObjectRef& object, const std::string& name, std::int64_t value) {
  write_attr(object, name, H5T_STD_I64LE, &value);
}

void write_double_attr(const ObjectRef& object, const std::string& name, double value) {
  write_attr(object, name, H5T_IEEE_F64LE, &value);
}

void write_bool_attr(const ObjectRef& object, const std::string& name, bool value) {
  const Datatype t = bool_type("bool type for " + name);
  const std::int8_t v = value ? 1 : 0;
  write_attr(object, name, t.get(), &v);
}

void write_int64_array_attr(const ObjectRef& object, const std::string& name,
                            const std::vector<std::int64_t>& values) {
  const std::string what = "write attribute " + object.child(name) + object.in();
  const hsize_t n = values.size();
  Dataspace space(check(H5Screate_simple(1, &n, nullptr), what));
  Attribute attr(check(
      H5Acreate2(object.id, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      what));
  if (!values.empty()) check(H5Awrite(attr.get(), H5T_NATIVE_INT64, values.data()), what);
}

void update_int64_attr(const ObjectRef& object, const std::string& name, std::int64_t value) {
  const std::string what = "update attribute " + object.child(name) + object.in();
  Attribute attr(check(H5Aopen(object.id, name.c_str(), H5P_DEFAULT), what));
  check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), what);
}

void update_int32_attr(const ObjectRef& object, const std::string& name, std::int32_t value) {
  const std::string what = "update attribute " + object.child(name) + object.in();
  Attribute attr(check(H5Aopen(object.id, name.c_str(), H5P_DEFAULT), what));
  check(H5Awrite(attr.get(), H5T_NATIVE_INT32, &value), what);
}

void write_config_attrs(const ObjectRef& group, const Config& config) {
  std::map<std::string, KeyKind> kinds;
  for (const auto& k : config.specs()) kinds[k.name] = k.kind;
  const Datatype boolean = bool_type("bool type");
  for (const auto& [key, value] : config.items()) {
    switch (kinds.at(key)) {
      case KeyKind::Int: {
        if (!value.empty() && value[0] == '-') {
          const std::int64_t v = std::strtoll(value.c_str(), nullptr, 10);
          write_attr(group, key, H5T_STD_I64LE, &v);
        } else {
          const std::uint64_t u = std::strtoull(value.c_str(), nullptr, 10);
          if (u <= std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
            const std::int64_t v = std::int64_t(u);
            write_attr(group, key, H5T_STD_I64LE, &v);
          } else {  // run.seed may use the full unsigned 64-bit range
            write_attr(group, key, H5T_STD_U64LE, &u);
          }
        }
        break;
      }
      case KeyKind::Real: {
        const double v = std::strtod(value.c_str(), nullptr);
        write_attr(group, key, H5T_IEEE_F64LE, &v);
        break;
      }
      case KeyKind::Bool: {
        const std::int8_t v = value == "true" ? 1 : 0;
        write_attr(group, key, boolean.get(), &v);
        break;
      }
      case KeyKind::String:
      case KeyKind::Choice:
      case KeyKind::IntList:
        write_string_attr(group, key, value);
        break;
    }
  }
}

void write_provenance_attrs(const ObjectRef& root, const std::string& created_utc,
                            const std::string& command_line, const std::string& input) {
  write_string_attr(root, "flowlat_version", FLOWLAT_VERSION_STRING);
  write_string_attr(root, "git_commit", FLOWLAT_GIT_COMMIT);
  write_string_attr(root, "created_utc", created_utc);
  write_string_attr(root, "command_line", command_line);
  write_string_attr(root, "input", input);
  write_string_attr(root, "simd", simd_path_name(simd_path()));
}

// ---- reading ------------------------------------------------------------------

bool has_attr(const ObjectRef& object, const std::string& name) {
  const htri_t r = H5Aexists(object.id, name.c_str());
  if (r < 0) take_error_text();
  return r > 0;
}

std::string read_attr_text(const ObjectRef& object, const std::string& name) {
  const std::string what = read_what(object, name);
  Attribute attr = open_for_reading(object, name, what);
  Datatype type(check(H5Aget_type(attr.get()), what));
  Dataspace space(check(H5Aget_space(attr.get()), what));
  const hssize_t points = check(H5Sget_simple_extent_npoints(space.get()), what);
  const std::size_t n = std::size_t(points);
  std::vector<std::string> items;
  switch (H5Tget_class(type.get())) {
    case H5T_STRING: {
      if (check(H5Tis_variable_str(type.get()), what) > 0) {
        Datatype mem(check(H5Tcopy(H5T_C_S1), what));
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
          if (H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD) s.erase(s.find_last_not_of(' ') + 1);
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
      for (std::size_t i = 0; i < n; ++i) items.push_back(shortest_text(v[i]));
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
      throw InputError(object.file + ": attribute " + object.child(name) +
                       " has a type flowlat does not read");
  }
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out;
}

std::int64_t read_int_attr(const ObjectRef& object, const std::string& name) {
  const std::string what = read_what(object, name);
  Attribute attr = open_for_reading(object, name, what);
  long long v = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_LLONG, &v), what);
  return v;
}

double read_double_attr(const ObjectRef& object, const std::string& name) {
  const std::string what = read_what(object, name);
  Attribute attr = open_for_reading(object, name, what);
  double v = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v), what);
  return v;
}

std::vector<std::int64_t> read_int_array_attr(const ObjectRef& object, const std::string& name) {
  const std::string what = read_what(object, name);
  Attribute attr = open_for_reading(object, name, what);
  Dataspace space(check(H5Aget_space(attr.get()), what));
  const hssize_t points = check(H5Sget_simple_extent_npoints(space.get()), what);
  std::vector<long long> v(std::size_t(std::max<hssize_t>(points, 1)));
  Datatype type(check(H5Aget_type(attr.get()), what));
  if (H5Tget_class(type.get()) != H5T_INTEGER)
    throw InputError(object.file + ": attribute " + object.child(name) + " is not an integer");
  check(H5Aread(attr.get(), H5T_NATIVE_LLONG, v.data()), what);
  return std::vector<std::int64_t>(v.begin(), v.begin() + points);
}

std::vector<std::string> attr_names(const ObjectRef& object) {
  const std::string what = "list the attributes of " + object.path + object.in();
  std::vector<std::string> names;
  if (H5Aiterate2(object.id, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect_attr, &names) < 0) {
    take_error_text();  // creation order not tracked: alphabetical
    names.clear();
    check(H5Aiterate2(object.id, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_attr, &names), what);
  }
  return names;
}

std::vector<std::string> link_names(const ObjectRef& group) {
  std::vector<std::string> names;
  if (H5Literate(group.id, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect_link, &names) < 0) {
    take_error_text();  // creation order not tracked: alphabetical
    names.clear();
    check(H5Literate(group.id, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_link, &names),
          "list " + group.path + group.in());
  }
  return names;
}

bool link_exists(hid_t parent, const std::string& path) {
  // H5Lexists on a path checks each component; a missing group is "no".
  const htri_t r = H5Lexists(parent, path.c_str(), H5P_DEFAULT);
  if (r < 0) take_error_text();
  return r > 0;
}

// ---- text -----------------------------------------------------------------------

std::string shortest_text(double v) {
  char text[64];
  const auto r = std::to_chars(text, text + sizeof text, v);
  return std::string(text, r.ptr);
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace flowlat::h5
