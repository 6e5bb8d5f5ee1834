// Config: the INI file (core/ini_file) and the overrides (Boost.Program_options)
// are read as strings; every value is then typed and range-checked here,
// naming its key.
#include "flowlat/core/config.hpp"

#include <boost/program_options.hpp>
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <set>
#include <sstream>

#include "flowlat/core/error.hpp"
#include "flowlat/core/ini_file.hpp"

namespace po = boost::program_options;

namespace flowlat {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// A decimal integer as sign and magnitude, so that the whole unsigned 64-bit
// range (run.seed) and the whole signed range are both exact; strtoull alone
// would accept "-1" and wrap, and casting it to long long would wrap again.
struct IntText {
  bool negative = false;
  unsigned long long magnitude = 0;
  bool overflow = false;  // more than 2^64 - 1 in magnitude
};

bool parse_int(const std::string& text, IntText& out) {
  const std::string s = trim(text);
  std::size_t i = 0;
  out = IntText{};
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) out.negative = s[i++] == '-';
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const unsigned digit = unsigned(s[i] - '0');
    if (out.magnitude > (ULLONG_MAX - digit) / 10) out.overflow = true;
    out.magnitude = out.magnitude * 10 + digit;
  }
  if (out.magnitude == 0) out.negative = false;  // "-0"
  return true;
}

// The largest magnitude allowed above zero by an upper bound `hi`: a key
// without a bound (1e300) gets the long long range; only a bound of 2^64 - 1
// (run.seed; as a double it reads 2^64) opens the unsigned range.
unsigned long long upper_limit(double hi) {
  if (hi > 1e30) return static_cast<unsigned long long>(LLONG_MAX);
  if (hi >= 18446744073709551615.0) return ULLONG_MAX;
  return hi < 0 ? 0 : static_cast<unsigned long long>(hi);
}

// The largest magnitude allowed below zero by a lower bound `lo`.
unsigned long long lower_limit(double lo) {
  if (lo >= 0) return 0;
  if (lo <= -9223372036854775808.0) return 9223372036854775808ULL;  // LLONG_MIN
  return static_cast<unsigned long long>(-lo);
}

bool int_in_range(const IntText& v, double lo, double hi) {
  if (v.overflow) return false;
  if (v.negative) return v.magnitude <= lower_limit(lo);
  return v.magnitude <= upper_limit(hi) && !(lo > 0 && double(v.magnitude) < lo);
}

// The stored value as long long; run.seed above 2^63 - 1 wraps to negative,
// and its users read it back with std::uint64_t(get_int("run.seed")).
long long int_value(const IntText& v) {
  return v.negative ? static_cast<long long>(0ULL - v.magnitude)
                    : static_cast<long long>(v.magnitude);
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

// A bound as the user reads it: integers in full, never 4.29497e+09.
std::string bound_text(const KeySpec& k, double v) {
  std::ostringstream os;
  if (k.kind == KeyKind::Real) {
    os << v;
  } else if (v >= 18446744073709551615.0) {
    os << ULLONG_MAX;  // the double nearest 2^64 - 1 is 2^64
  } else {
    os << std::fixed << std::setprecision(0) << v;
  }
  return os.str();
}

std::string range_text(const KeySpec& k, double max) {
  std::string out;
  if (k.min > -1e300) out += (k.min_exclusive ? " > " : " >= ") + bound_text(k, k.min);
  if (max < 1e300) out += (k.min > -1e300 ? " and <= " : " <= ") + bound_text(k, max);
  return out;
}

void check_range(const KeySpec& k, double v, const std::string& text) {
  const bool low = k.min_exclusive ? !(v > k.min) : !(v >= k.min);
  if (low || v > k.max)
    throw InputError(k.name + ": value '" + text + "' out of range, must be" + range_text(k, k.max));
}

// An integer of key `k` (or one entry of a list key) within [k.min, max].
void check_int(const KeySpec& k, const std::string& text, double max, const std::string& expected) {
  IntText v;
  if (!parse_int(text, v)) throw InputError(k.name + ": " + expected);
  if (!int_in_range(v, k.min, max))
    throw InputError(k.name + ": value '" + trim(text) + "' out of range, must be" +
                     range_text(k, max));
}

// Validates `value` for key `k`; returns it normalised (trimmed).
std::string validate(const KeySpec& k, const std::string& raw) {
  const std::string value = trim(raw);
  switch (k.kind) {
    case KeyKind::Int:
      check_int(k, value, k.max, "expected an integer, got '" + value + "'");
      break;
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
      // entries are read back with std::stoi: at most INT_MAX
      const double max = std::min(k.max, double(INT_MAX));
      const std::string expected = "expected comma-separated integers, got '" + value + "'";
      std::stringstream ss(value);
      std::string item, normal;
      int n = 0;
      while (std::getline(ss, item, ',')) {
        check_int(k, item, max, expected);
        IntText v;
        parse_int(item, v);
        normal += (n++ ? "," : "") + std::to_string(int_value(v));
      }
      if (n == 0 || value.back() == ',') throw InputError(k.name + ": " + expected);
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

// Every key any theory has (a theory's key in another theory's run is
// refused by Config::spec with a message naming both).
std::vector<KeySpec> every_key() {
  std::vector<KeySpec> out = all_keys();
  std::set<std::string> seen;
  for (const auto& k : out) seen.insert(k.name);
  for (const auto& t : theory_keys())
    for (const auto& k : t.keys)
      if (seen.insert(k.name).second) out.push_back(k);
  return out;
}

po::options_description describe() {
  po::options_description desc;
  for (const auto& k : every_key()) desc.add_options()(k.name.c_str(), po::value<std::string>());
  return desc;
}

bool is_key(const std::string& name) {
  for (const auto& k : every_key())
    if (k.name == name) return true;
  return false;
}

std::string section_of(const std::string& key) { return key.substr(0, key.find('.')); }

// Boost's messages name the option with a leading "--" on the command line;
// flowlat messages name keys as they appear in input files.
std::string key_of(const po::error_with_option_name& e) {
  std::string name = e.get_option_name();
  while (!name.empty() && name[0] == '-') name.erase(0, 1);
  return name;
}

const TheoryKeys* find_theory(const std::string& name) {
  for (const auto& t : theory_keys())
    if (t.theory == name) return &t;
  return nullptr;
}

std::string default_theory() {
  for (const auto& k : all_keys())
    if (k.name == "theory.name") return k.default_value;
  return "";
}

}  // namespace

std::vector<KeySpec> keys_of(const std::string& theory) {
  const TheoryKeys* t = find_theory(theory);
  const std::vector<KeySpec>& shared = all_keys();
  std::vector<KeySpec> out;
  std::set<std::string> placed;
  for (std::size_t i = 0; i < shared.size(); ++i) {
    out.push_back(shared[i]);
    const std::string section = section_of(shared[i].name);
    const bool last_of_section =
        i + 1 == shared.size() || section_of(shared[i + 1].name) != section;
    if (!t || !last_of_section) continue;
    for (const auto& k : t->keys)
      if (section_of(k.name) == section && placed.insert(k.name).second) out.push_back(k);
  }
  if (t)
    for (const auto& k : t->keys)
      if (placed.insert(k.name).second) out.push_back(k);
  return out;
}

Config::Config() : Config(default_theory()) {}

Config::Config(const std::string& theory) { use_theory(theory); }

void Config::use_theory(const std::string& theory) {
  const TheoryKeys* t = find_theory(theory);
  if (!t) {
    std::string list;
    for (const auto& k : theory_keys()) list += (list.empty() ? "" : "|") + k.theory;
    throw InputError("theory.name: unknown theory '" + theory + "', expected " + list);
  }
  std::map<std::string, std::string> kept;  // keys the input set
  for (const auto& key : explicit_) kept[key] = values_.at(key);
  theory_ = theory;
  specs_ = keys_of(theory);
  values_.clear();
  for (const auto& k : specs_) values_[k.name] = validate(k, k.default_value);
  for (const auto& [key, value] : t->defaults) values_[key] = validate(spec(key), value);
  values_["theory.name"] = theory;
  explicit_.clear();
  for (const auto& [key, value] : kept)
    if (has(key)) {
      values_[key] = value;
      explicit_.insert(key);
    }
}

Config Config::load(const std::string& path, const std::vector<std::string>& overrides) {
  Config cfg;
  const auto desc = describe();
  po::variables_map vm;
  // Overrides first: a key given both in the file and on the command line
  // takes the command-line value (the file's is still checked for typos).
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
  std::vector<IniEntry> entries;
  if (!path.empty()) {
    std::set<std::string> seen;
    entries = read_ini_file(path);
    for (const IniEntry& e : entries) {
      const std::string at = " in " + path + " (line " + std::to_string(e.line) + ")";
      if (!is_key(e.name)) throw InputError(e.name + ": unknown key" + at);
      if (!seen.insert(e.name).second) throw InputError(e.name + ": given more than once" + at);
    }
    cfg.source_ = path;
  }
  // The theory first: it decides which keys exist and their defaults.
  if (vm.count("theory.name")) {
    cfg.set("theory.name", vm["theory.name"].as<std::string>());
  } else {
    for (const IniEntry& e : entries)
      if (e.name == "theory.name") cfg.set(e.name, e.value);
  }
  for (const IniEntry& e : entries) {
    if (vm.count(e.name)) continue;
    if (!cfg.has(e.name))
      throw InputError(cfg.other_theory_error(e.name) + " in " + path + " (line " +
                       std::to_string(e.line) + ")");
    cfg.set(e.name, e.value);
  }
  for (const auto& [key, value] : vm) cfg.set(key, value.as<std::string>());
  return cfg;
}

std::string Config::other_theory_error(const std::string& key) const {
  for (const auto& t : theory_keys())
    for (const auto& k : t.keys)
      if (k.name == key)
        return key + ": a key of theory " + t.theory + ", but theory.name = " + theory_;
  return key + ": unknown key";
}

const KeySpec& Config::spec(const std::string& key) const {
  for (const auto& k : specs_)
    if (k.name == key) return k;
  throw InputError(other_theory_error(key));
}

bool Config::has(const std::string& key) const { return values_.count(key) > 0; }

void Config::set(const std::string& key, const std::string& value) {
  if (key == "theory.name") {
    const std::string name = trim(value);
    if (name != theory_) use_theory(name);
    return;
  }
  values_[key] = validate(spec(key), value);
  explicit_.insert(key);
}

long long Config::get_int(const std::string& key) const {
  IntText v;
  parse_int(values_.at(spec(key).name), v);
  return int_value(v);
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
  for (const auto& k : specs_) out.emplace_back(k.name, values_.at(k.name));
  return out;
}

std::string Config::resolved_text(bool with_help) const {
  std::ostringstream os;
  std::string section;
  for (const auto& k : specs_) {
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
