// HDF5 attribute helpers shared by every flowlat file (ensembles, models):
// typed scalar/array/string/bool attributes, groups with creation order
// tracked, the typed /config group, and attribute reading rendered as text.
// Failed HDF5 calls throw RuntimeFailure naming the object and file; a
// missing or unreadable attribute on reading is an InputError "<file>: ...".
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "flowlat/io/h5_handle.hpp"

namespace flowlat {
class Config;
}

namespace flowlat::h5 {

// Attributes stay in the object header (compact storage) up to this many.
inline constexpr unsigned kMaxCompactAttrs = 1024;

// An open object (file root, group or dataset) with its path inside the file
// and the file's name, for error messages.
struct ObjectRef {
  hid_t id = H5I_INVALID_HID;
  std::string path;  // "/", "/config", "/model/optimizer"
  std::string file;

  // The path of a child (attribute, group, dataset): "/name", "/config/name".
  std::string child(const std::string& name) const {
    return path == "/" ? "/" + name : path + "/" + name;
  }
  std::string in() const { return " in '" + file + "'"; }
};

// ---- types and creation properties ------------------------------------------
// A fixed-length, null-padded UTF-8 string type of exactly `length` bytes
// (at least 1); h5py reads it as bytes. No variable-length data: parallel
// HDF5 cannot write it.
Datatype string_type(std::size_t length, const std::string& what);
// h5py's bool: an int8 enum {FALSE = 0, TRUE = 1}.
Datatype bool_type(const std::string& what);
// Links and attributes kept in creation order, attributes in the object
// header (for file- and group-creation property lists).
void track_order(hid_t plist, const std::string& what);

// A new group `name` below `parent`, creation order tracked.
Group create_group(const ObjectRef& parent, const std::string& name);
// Opens the existing group at `path` (relative to `parent` or absolute).
Group open_group(const ObjectRef& parent, const std::string& path);

// ---- writing ------------------------------------------------------------------
// Scalar attribute of file type `type`; `data` in the same type.
void write_attr(const ObjectRef& object, const std::string& name, hid_t type, const void* data);
void write_string_attr(const ObjectRef& object, const std::string& name, const std::string& value);
void write_int32_attr(const ObjectRef& object, const std::string& name, std::int32_t value);
void write_int64_attr(const ObjectRef& object, const std::string& name, std::int64_t value);
void write_double_attr(const ObjectRef& object, const std::string& name, double value);
void write_bool_attr(const ObjectRef& object, const std::string& name, bool value);
// One-dimensional int64 attribute [values.size()].
void write_int64_array_attr(const ObjectRef& object, const std::string& name,
                            const std::vector<std::int64_t>& values);
// Overwrites the value of an existing integer attribute.
void update_int64_attr(const ObjectRef& object, const std::string& name, std::int64_t value);
void update_int32_attr(const ObjectRef& object, const std::string& name, std::int32_t value);

// One attribute per key of `config` ("section.key", in all_keys() order),
// typed by its kind: int64 (uint64 above 2^63-1), float64, bool, string.
void write_config_attrs(const ObjectRef& group, const Config& config);

// The provenance attributes every flowlat file starts with, in this order:
// flowlat_version, git_commit, created_utc, command_line, input, simd (the
// flow kernels' instruction set, simd_path(): the same on every rank).
void write_provenance_attrs(const ObjectRef& root, const std::string& created_utc,
                            const std::string& command_line, const std::string& input);

// ---- reading ------------------------------------------------------------------
bool has_attr(const ObjectRef& object, const std::string& name);
// The attribute rendered as text: strings as they are, integers in decimal,
// reals by shortest_text(), booleans as true/false, arrays comma-separated.
// InputError "<file>: no attribute <path>" if missing.
std::string read_attr_text(const ObjectRef& object, const std::string& name);
std::int64_t read_int_attr(const ObjectRef& object, const std::string& name);
double read_double_attr(const ObjectRef& object, const std::string& name);
// Every element of an integer attribute (scalar: one element).
std::vector<std::int64_t> read_int_array_attr(const ObjectRef& object, const std::string& name);

// Attribute names of an object / link names of a group, in creation order
// (alphabetical where creation order is not tracked).
std::vector<std::string> attr_names(const ObjectRef& object);
std::vector<std::string> link_names(const ObjectRef& group);
// Whether a link path exists below `parent` (each component checked).
bool link_exists(hid_t parent, const std::string& path);

// ---- text -----------------------------------------------------------------------
// The shortest text that reads back to exactly `v` (10 -> "10", 0.1 -> "0.1").
std::string shortest_text(double v);
// Now, as ISO 8601 UTC: "2024-05-01T12:34:56Z".
std::string utc_now();

}  // namespace flowlat::h5
