// KokkosArguments: the --kokkos-* options flowlat accepts, checked before
// Kokkos::initialize, which would throw std::invalid_argument out of main on
// --kokkos-threads=abc and silently ignore an option it does not know.
#pragma once
#include <string>
#include <vector>

namespace flowlat {

class KokkosArguments {
 public:
  explicit KokkosArguments(std::string program);
  // pointers_ point into args_: not copyable
  KokkosArguments(const KokkosArguments&) = delete;
  KokkosArguments& operator=(const KokkosArguments&) = delete;

  static bool is_kokkos_option(const std::string& arg) { return arg.rfind("--kokkos-", 0) == 0; }
  // Checks one --kokkos-* argument; InputError naming it when it is not on the
  // allow-list or its value is not an integer in range. --kokkos-help is
  // remembered, not passed on (Kokkos would print its own list and go on).
  void add(const std::string& arg);
  bool help_requested() const { return help_; }
  // InputError naming the variable when a KOKKOS_* environment variable
  // Kokkos reads (KOKKOS_NUM_THREADS, KOKKOS_DISABLE_WARNINGS, ...) is
  // malformed: Kokkos 4 aborts on those instead of throwing.
  static void check_environment();
  // What flowlat accepts, for --kokkos-help.
  static std::string help_text();

  // The program name and the checked options, spelled for the installed Kokkos
  // (--kokkos-threads before 4.0, --kokkos-num-threads since): for
  // Kokkos::initialize / ScopeGuard, valid while this object lives.
  int& argc() { return argc_; }
  char** argv() { return pointers_.data(); }

 private:
  void rebuild();  // pointers_ and argc_ from args_

  std::vector<std::string> args_;
  std::vector<char*> pointers_;
  int argc_ = 0;
  bool help_ = false;
};

}  // namespace flowlat
