// Config: the typed, defaulted, validated key set of an input file plus
// command-line overrides (Boost.Program_options), and its resolved text.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace flowlat {

enum class KeyKind { Int, Real, Bool, String, IntList, Choice };

// One key of the input: "section.key", its type, default and range.
struct KeySpec {
  std::string name;
  KeyKind kind;
  std::string default_value;
  std::string help;
  double min = -1e300;  // inclusive lower bound (Int, Real, IntList entries)
  double max = 1e300;   // inclusive upper bound
  bool min_exclusive = false;
  std::vector<std::string> choices;  // Choice
};

// Every key flowlat knows, in the order they are documented and written.
const std::vector<KeySpec>& all_keys();

class Config {
 public:
  // Defaults only (the built-in default input).
  Config();
  // Reads `path` (empty: defaults only), then applies `overrides`
  // ("--section.key=value" strings). Throws InputError naming the key or file.
  static Config load(const std::string& path, const std::vector<std::string>& overrides);

  long long get_int(const std::string& key) const;
  double get_real(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  std::vector<int> get_int_list(const std::string& key) const;

  // Programmatic override (tests, subcommand defaults); validated like input.
  void set(const std::string& key, const std::string& value);

  // The full resolved input as INI text, every key, section by section;
  // with_help adds each key's description as a comment.
  std::string resolved_text(bool with_help = false) const;
  // (key, value) for every key, in all_keys() order.
  std::vector<std::pair<std::string, std::string>> items() const;
  const std::string& source() const { return source_; }

 private:
  const KeySpec& spec(const std::string& key) const;
  std::map<std::string, std::string> values_;
  std::string source_ = "built-in defaults";
};

}  // namespace flowlat
