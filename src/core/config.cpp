// Config: Boost.Program_options reads the INI file and the overrides as
// strings; every value is then typed and range-checked here, naming its key.
#include "flowlat/core/config.hpp"

#include <boost/program_options.hpp>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "flowlat/core/error.hpp"

namespace po = boost::program_options;

namespace flowlat {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool parse_int(const std::string& text, long long& out) {
  const std::string s = trim(text);
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  // unsigned range for seeds, signed otherwise
  if (s[0] != '-') {
    const unsigned long long u = std::strtoull(s.c_str(), &end, 10);
    if (errno || *end) return false;
    out = static_cast<long long>(u);
    return true;
  }
  out = std::strtoll(s.c_str(), &end, 10);
  return !errno && !*end;
}

bool parse_real(const std::string& text, double& out) {
  const std::string s = trim(text);
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return !*end && std::isfinite(out);
}

bool parse_bool(const std::string& text, bool& out) {
  const std::string s = trim(text);
  if (s == "true" || s == "1" || s == "yes" || s == "on") return out = true, true;
  if (s == "false" || s == "0" || s == "no" || s == "off") return out = false, true;
  return false;
}

std::string range_text(const KeySpec& k) {
  std::ostringstream os;
  if (k.min > -1e300) os << (k.min_exclusive ? " > " : " >= ") << k.min;
  if (k.max < 1e300) os << (k.min > -1e300 ? " and <= " : " <= ") << k.max;
  return os.str();
}

void check_range(const KeySpec& k, double v, const std::string& text) {
  const bool low = k.min_exclusive ? !(v > k.min) : !(v >= k.min);
  if (low || v > k.max)
    throw InputError(k.name + ": value '" + text + "' out of range, must be" + range_text(k));
}

// Validates `value` for key `k`; returns it normalised (trimmed).
std::string validate(const KeySpec& k, const std::string& raw) {
  const std::string value = trim(raw);
  switch (k.kind) {
    case KeyKind::Int: {
      long long v;
      if (!parse_int(value, v))
        throw InputError(k.name + ": expected an integer, got '" + value + "'");
      // the seed is unsigned 64-bit: compare in unsigned terms
      const double dv = (value[0] == '-') ? double(v) : double(static_cast<unsigned long long>(v));
      check_range(k, dv, value);
      break;
    }
    case KeyKind::Real: {
      double v;
      if (!parse_real(value, v)) throw InputError(k.name + ": expected a number, got '" + value + "'");
      check_range(k, v, value);
      break;
    }
    case KeyKind::Bool: {
      bool v;
      if (!parse_bool(value, v))
        throw InputError(k.name + ": expected true or false, got '" + value + "'");
      return v ? "true" : "false";
    }
    case KeyKind::IntList: {
      std::stringstream ss(value);
      std::string item, normal;
      int n = 0;
      while (std::getline(ss, item, ',')) {
        long long v;
        if (!parse_int(item, v) || v > 1000000000LL || v < -1000000000LL)
          throw InputError(k.name + ": expected comma-separated integers, got '" + value + "'");
        check_range(k, double(v), trim(item));
        normal += (n++ ? "," : "") + std::to_string(v);
      }
      if (n == 0) throw InputError(k.name + ": expected comma-separated integers, got ''");
      return normal;
    }
    case KeyKind::Choice: {
      for (const auto& c : k.choices)
        if (c == value) return value;
      std::string list;
      for (const auto& c : k.choices) list += (list.empty() ? "" : "|") + c;
      throw InputError(k.name + ": unknown value '" + value + "', expected " + list);
    }
    case KeyKind::String:
      break;
  }
  return value;
}

po::options_description describe() {
  po::options_description desc;
  for (const auto& k : all_keys()) desc.add_options()(k.name.c_str(), po::value<std::string>());
  return desc;
}

// Boost's messages name the option with a leading "--" on the command line;
// flowlat messages name keys as they appear in input files.
std::string key_of(const po::error_with_option_name& e) {
  std::string name = e.get_option_name();
  while (!name.empty() && name[0] == '-') name.erase(0, 1);
  return name;
}

}  // namespace

Config::Config() {
  for (const auto& k : all_keys()) values_[k.name] = validate(k, k.default_value);
}

Config Config::load(const std::string& path, const std::vector<std::string>& overrides) {
  Config cfg;
  const auto desc = describe();
  po::variables_map vm;
  // Overrides are stored first: Boost keeps the first value stored for a key.
  try {
    po::store(po::command_line_parser(overrides).options(desc).style(
                  po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
  } catch (const po::error_with_option_name& e) {
    const std::string key = key_of(e);
    if (dynamic_cast<const po::unknown_option*>(&e))
      throw InputError(key + ": unknown key (command-line override)");
    throw InputError(key + ": bad command-line override (" + e.what() + ")");
  } catch (const po::error& e) {
    throw InputError(std::string("command line: ") + e.what());
  }
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) throw InputError(path + ": cannot open input file");
    try {
      po::store(po::parse_config_file(in, desc, /*allow_unregistered=*/false), vm);
    } catch (const po::error_with_option_name& e) {
      const std::string key = key_of(e);
      if (dynamic_cast<const po::unknown_option*>(&e))
        throw InputError(key + ": unknown key in " + path);
      if (dynamic_cast<const po::multiple_occurrences*>(&e))
        throw InputError(key + ": given more than once in " + path);
      throw InputError(path + ": " + e.what());
    } catch (const po::error& e) {
      throw InputError(path + ": " + e.what());
    }
    cfg.source_ = path;
  }
  for (const auto& [key, value] : vm) cfg.set(key, value.as<std::string>());
  return cfg;
}

const KeySpec& Config::spec(const std::string& key) const {
  for (const auto& k : all_keys())
    if (k.name == key) return k;
  throw InputError(key + ": unknown key");
}

void Config::set(const std::string& key, const std::string& value) {
  values_[key] = validate(spec(key), value);
}

long long Config::get_int(const std::string& key) const {
  long long v = 0;
  parse_int(values_.at(spec(key).name), v);
  return v;
}

double Config::get_real(const std::string& key) const {
  double v = 0;
  parse_real(values_.at(spec(key).name), v);
  return v;
}

bool Config::get_bool(const std::string& key) const { return values_.at(spec(key).name) == "true"; }

const std::string& Config::get_string(const std::string& key) const {
  return values_.at(spec(key).name);
}

std::vector<int> Config::get_int_list(const std::string& key) const {
  std::vector<int> out;
  std::stringstream ss(values_.at(spec(key).name));
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoi(item));
  return out;
}

std::vector<std::pair<std::string, std::string>> Config::items() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& k : all_keys()) out.emplace_back(k.name, values_.at(k.name));
  return out;
}

std::string Config::resolved_text(bool with_help) const {
  std::ostringstream os;
  std::string section;
  for (const auto& k : all_keys()) {
    const auto dot = k.name.find('.');
    const std::string s = k.name.substr(0, dot);
    if (s != section) {
      os << (section.empty() ? "" : "\n") << "[" << s << "]\n";
      section = s;
    }
    if (with_help) os << "# " << k.help << "\n";
    os << k.name.substr(dot + 1) << " = " << values_.at(k.name) << "\n";
  }
  return os.str();
}

}  // namespace flowlat
