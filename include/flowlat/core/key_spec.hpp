// One input key: "section.key", its type, default and range, and the makers
// the key tables (core/config_keys.cpp and each theory's) are written with.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace flowlat {

enum class KeyKind { Int, Real, Bool, String, IntList, Choice };

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

namespace keys {

inline KeySpec make(std::string name, KeyKind kind, std::string def, std::string help) {
  KeySpec k;
  k.name = std::move(name);
  k.kind = kind;
  k.default_value = std::move(def);
  k.help = std::move(help);
  return k;
}
// Every integer key has a maximum (a typo or a wrapped 2^64 - 1 is then an
// error naming the key, not a run that never ends).
inline KeySpec integer(std::string name, std::string def, std::string help, double min,
                       double max) {
  KeySpec k = make(std::move(name), KeyKind::Int, std::move(def), std::move(help));
  k.min = min;
  k.max = max;
  return k;
}
inline KeySpec real(std::string name, std::string def, std::string help, double min = -1e300,
                    bool min_exclusive = false) {
  KeySpec k = make(std::move(name), KeyKind::Real, std::move(def), std::move(help));
  k.min = min;
  k.min_exclusive = min_exclusive;
  return k;
}
inline KeySpec bounded_real(std::string name, std::string def, std::string help, double min,
                            double max) {
  KeySpec k = real(std::move(name), std::move(def), std::move(help), min);
  k.max = max;
  return k;
}
inline KeySpec boolean(std::string name, std::string def, std::string help) {
  return make(std::move(name), KeyKind::Bool, std::move(def), std::move(help));
}
inline KeySpec text(std::string name, std::string def, std::string help) {
  return make(std::move(name), KeyKind::String, std::move(def), std::move(help));
}
inline KeySpec choice(std::string name, std::string def, std::vector<std::string> choices,
                      std::string help) {
  KeySpec k = make(std::move(name), KeyKind::Choice, std::move(def), std::move(help));
  k.choices = std::move(choices);
  return k;
}
inline KeySpec int_list(std::string name, std::string def, std::string help, double min,
                        double max) {
  KeySpec k = make(std::move(name), KeyKind::IntList, std::move(def), std::move(help));
  k.min = min;
  k.max = max;
  return k;
}

}  // namespace keys
}  // namespace flowlat
