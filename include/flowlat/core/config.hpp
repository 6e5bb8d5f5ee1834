// Config: the typed, defaulted, validated key set of an input file plus
// command-line overrides (Boost.Program_options), and its resolved text.
#pragma once
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "flowlat/core/key_spec.hpp"

namespace flowlat {

// The keys every theory shares, in the order they are documented and written.
const std::vector<KeySpec>& all_keys();

// What a theory adds to the input: keys only it has (its couplings, its flow
// options) and its own defaults of shared keys (output names). Each theory
// lists them in its folder; theory/theory_registry.cpp collects them.
struct TheoryKeys {
  std::string theory;
  std::vector<KeySpec> keys;
  std::vector<std::pair<std::string, std::string>> defaults;
};
// Every theory's keys, in registry order.
const std::vector<TheoryKeys>& theory_keys();
// The shared keys and those of `theory`, each theory key after the shared
// keys of its section: the order of resolved_text() and of /config.
std::vector<KeySpec> keys_of(const std::string& theory);

class Config {
 public:
  // Defaults only (the built-in default input) of the default theory, or of
  // `theory` (InputError naming theory.name if there is none of that name).
  Config();
  explicit Config(const std::string& theory);
  // Reads `path` (empty: defaults only), then applies `overrides`
  // ("--section.key=value" strings). Throws InputError naming the key or file.
  static Config load(const std::string& path, const std::vector<std::string>& overrides);

  long long get_int(const std::string& key) const;
  double get_real(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  std::vector<int> get_int_list(const std::string& key) const;

  // Programmatic override (tests, subcommand defaults); validated like input.
  // Setting theory.name to another theory replaces the theory's keys by the
  // new one's defaults (shared keys set before keep their values).
  void set(const std::string& key, const std::string& value);
  // Whether this run's theory has the key (a key of another theory: false).
  bool has(const std::string& key) const;
  const std::string& theory() const { return theory_; }
  // The keys of this config, in order (keys_of(theory())).
  const std::vector<KeySpec>& specs() const { return specs_; }

  // The full resolved input as INI text, every key, section by section;
  // with_help adds each key's description as a comment.
  std::string resolved_text(bool with_help = false) const;
  // (key, value) for every key, in all_keys() order.
  std::vector<std::pair<std::string, std::string>> items() const;
  const std::string& source() const { return source_; }
  // "<key>: unknown key", or the message for a key of another theory.
  std::string other_theory_error(const std::string& key) const;

 private:
  const KeySpec& spec(const std::string& key) const;
  void use_theory(const std::string& theory);
  std::string theory_;
  std::vector<KeySpec> specs_;
  std::map<std::string, std::string> values_;
  std::set<std::string> explicit_;  // keys given by the input, not defaulted
  std::string source_ = "built-in defaults";
};

}  // namespace flowlat
