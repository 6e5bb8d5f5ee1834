// KokkosArguments: a small allow-list of Kokkos' command-line options with
// integer validation; everything else starting with --kokkos- is refused.
#include "kokkos_arguments.hpp"

#include <Kokkos_Core.hpp>

#include <cctype>
#include <cstdlib>

#include "flowlat/core/error.hpp"

namespace flowlat {

namespace {

struct IntegerOption {
  const char* name;  // without the value, e.g. "--kokkos-threads"
  long long min, max;
  const char* help;
};

// Kokkos 3.4 spells the thread count --kokkos-threads, 4.x --kokkos-num-threads
// (the old name deprecated): both are accepted and passed on in the spelling of
// the Kokkos flowlat was built with.
#if KOKKOS_VERSION >= 40000
constexpr const char* kThreads = "--kokkos-num-threads";
#else
constexpr const char* kThreads = "--kokkos-threads";
#endif

const IntegerOption kIntegerOptions[] = {
    {"--kokkos-threads", 1, 4096, "threads of the host execution space"},
    {"--kokkos-num-threads", 1, 4096, "the same (Kokkos 4 spelling)"},
#if KOKKOS_VERSION < 40000
    {"--kokkos-numa", 1, 1024, "NUMA regions used by the process"},  // gone in Kokkos 4
#endif
    {"--kokkos-device-id", 0, 1023, "device used by Kokkos (GPU builds)"},
};
const char* const kFlags[][2] = {
    {"--kokkos-disable-warnings", "disable Kokkos warning messages"},
    {"--kokkos-help", "print this list and exit"},
};

// A decimal integer in [min, max], without sign tricks or trailing text.
bool parse_bounded(const std::string& text, long long min, long long max, long long& out) {
  if (text.empty() || text.size() > 18) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return out >= min && out <= max;
}

}  // namespace

KokkosArguments::KokkosArguments(std::string program) {
  args_.push_back(std::move(program));
  rebuild();
}

void KokkosArguments::rebuild() {
  pointers_.clear();
  for (auto& a : args_) pointers_.push_back(a.data());
  pointers_.push_back(nullptr);
  argc_ = int(args_.size());
}

void KokkosArguments::add(const std::string& arg) {
  const auto eq = arg.find('=');
  const std::string name = arg.substr(0, eq);
  for (const auto& [flag, help] : kFlags) {
    (void)help;
    if (name != flag) continue;
    if (eq != std::string::npos) throw InputError(name + ": takes no value, got '" + arg + "'");
    if (name == "--kokkos-help")
      help_ = true;
    else
      args_.push_back(arg);
    rebuild();
    return;
  }
  for (const IntegerOption& o : kIntegerOptions) {
    if (name != o.name) continue;
    const std::string range = std::to_string(o.min) + ".." + std::to_string(o.max);
    if (eq == std::string::npos)
      throw InputError(name + ": expected " + name + "=N with N in " + range);
    long long value = 0;
    if (!parse_bounded(arg.substr(eq + 1), o.min, o.max, value))
      throw InputError(name + ": expected an integer in " + range + ", got '" + arg.substr(eq + 1) +
                       "'");
    const bool threads = name == "--kokkos-threads" || name == "--kokkos-num-threads";
    args_.push_back((threads ? std::string(kThreads) : name) + "=" + std::to_string(value));
    rebuild();
    return;
  }
  throw InputError(name +
                   ": unknown Kokkos option (flowlat --kokkos-help lists the accepted ones)");
}

void KokkosArguments::check_environment() {
  // Kokkos 4 aborts (core dump, no message flowlat can catch) on a malformed
  // value of these; Kokkos 3.4 throws. Checked here with the option ranges.
  const struct {
    const char* variable;
    long long min, max;
  } integers[] = {{"KOKKOS_NUM_THREADS", 1, 4096},
                  {"KOKKOS_NUMA", 1, 1024},
                  {"KOKKOS_DEVICE_ID", 0, 1023},
                  {"KOKKOS_NUM_DEVICES", 1, 1024}};
  for (const auto& v : integers) {
    const char* value = std::getenv(v.variable);
    long long parsed = 0;
    if (value && !parse_bounded(value, v.min, v.max, parsed))
      throw InputError(std::string(v.variable) + ": expected an integer in " +
                       std::to_string(v.min) + ".." + std::to_string(v.max) +
                       " in the environment, got '" + value + "'");
  }
  // booleans as Kokkos 4 reads them: yes|true|1 or no|false|0, any case
  for (const char* variable :
       {"KOKKOS_DISABLE_WARNINGS", "KOKKOS_PRINT_CONFIGURATION", "KOKKOS_TUNE_INTERNALS"}) {
    const char* value = std::getenv(variable);
    if (!value) continue;
    std::string lower(value);
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    bool ok = false;
    for (const char* word : {"yes", "true", "1", "no", "false", "0"}) ok = ok || lower == word;
    if (!ok)
      throw InputError(std::string(variable) +
                       ": expected yes, true, 1, no, false or 0 in the environment, got '" +
                       value + "'");
  }
}

std::string KokkosArguments::help_text() {
  std::string out = "Kokkos options accepted by flowlat:\n";
  for (const IntegerOption& o : kIntegerOptions)
    out += "  " + std::string(o.name) + "=N  (" + std::to_string(o.min) + ".." +
           std::to_string(o.max) + ") " + o.help + "\n";
  for (const auto& [flag, help] : kFlags) out += "  " + std::string(flag) + "  " + help + "\n";
  return out;
}

}  // namespace flowlat
