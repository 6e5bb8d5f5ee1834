// flowlat entry point: MPI and Kokkos set-up, subcommand dispatch, and the
// mapping of errors to exit codes (bad input: one line, once, exit 2; a
// rank-local failure aborts the job rather than leaving the others waiting).
#include <Kokkos_Core.hpp>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "commands.hpp"
#include "kokkos_arguments.hpp"
#include "memory_estimate.hpp"
#include "flowlat/core/config.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/mpi_context.hpp"
#include "flowlat/core/simd_dispatch.hpp"
#include "flowlat/core/stop_signal.hpp"
#include "flowlat/core/version_info.hpp"

namespace {

const char* kUsage =
    "usage: flowlat <command> [--config FILE] [--section.key=value ...]\n"
    "commands:\n"
    "  train       train a flow (reverse or forward KL)  (inputs/phi4_train.ini)\n"
    "  sample      flow independence Metropolis-Hastings chain   (inputs/phi4_sample.ini)\n"
    "  hybrid      chains of HMC trajectories + flow proposals  (inputs/phi4_hybrid.ini)\n"
    "  hmc         independent HMC chains            (inputs/phi4_hmc.ini)\n"
    "  metropolis  the theory's local update: phi4 checkerboard Metropolis,\n"
    "              U(1) heat bath + over-relaxation (inputs/phi4_metropolis.ini)\n"
    "  inspect F   print what an HDF5 file holds\n"
    "  analyze F.. Gamma-method table of every observable, files side by side\n"
    "              (--json: the same numbers as JSON on stdout)\n"
    "Theories: --theory.name=phi4 (the default) or u1 (inputs/u1_*.ini).\n"
    "Without --config the built-in defaults are used; `flowlat keys` lists every key\n"
    "(`flowlat keys --theory.name=u1`: those of U(1)).\n";

// Splits the command line: --kokkos-* options go to `kokkos` (checked there),
// --config names the input file, --section.key=value are overrides.
flowlat::Invocation parse(int argc, char** argv, flowlat::KokkosArguments& kokkos) {
  using flowlat::InputError;
  flowlat::Invocation inv;
  for (int i = 0; i < argc; ++i) inv.command_line += (i ? " " : "") + std::string(argv[i]);
  if (argc < 2) throw InputError("no command given (try: flowlat help)");
  inv.command = argv[1];
  bool config_given = false;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (flowlat::KokkosArguments::is_kokkos_option(arg)) {
      kokkos.add(arg);
    } else if (arg == "--config" || arg.rfind("--config=", 0) == 0) {
      std::string path;
      if (arg == "--config") {
        if (i + 1 >= argc || std::string(argv[i + 1]).rfind("--", 0) == 0)
          throw InputError("--config: expected a file name");
        path = argv[++i];
      } else {
        path = arg.substr(9);
      }
      if (path.empty()) throw InputError("--config: expected a file name, got ''");
      // one input file per run: a second one silently replacing the first
      // would run with inputs the user did not look at
      if (config_given)
        throw InputError("--config: given twice ('" + inv.config_path + "' and '" + path +
                         "'); a run reads one input file");
      inv.config_path = path;
      config_given = true;
    } else if (inv.command == "analyze" && arg == "--json") {
      // a flag, not an override: it must not take the next file as its value
      inv.flags.push_back(arg);
    } else if (arg.rfind("--", 0) == 0) {
      // "--section.key value" is accepted as well as "--section.key=value"
      if (arg.find('=') == std::string::npos && i + 1 < argc &&
          std::string(argv[i + 1]).rfind("--", 0) != 0) {
        inv.overrides.push_back(arg + "=" + argv[++i]);
      } else {
        inv.overrides.push_back(arg);
      }
    } else {
      inv.positional.push_back(arg);
    }
  }
  return inv;
}

int dispatch(const flowlat::MpiContext& mpi, const flowlat::Invocation& inv) {
  using namespace flowlat;
  const bool run_command = inv.command == "hmc" || inv.command == "metropolis" ||
                           inv.command == "train" || inv.command == "sample" ||
                           inv.command == "hybrid";
  if (run_command) {
    if (!inv.positional.empty())
      throw InputError("unexpected argument '" + inv.positional[0] + "' (use --config FILE)");
    // before the command allocates anything (the command reads the input again)
    check_memory_estimate(mpi, Config::load(inv.config_path, inv.overrides), inv.command);
  }
  if (inv.command == "hmc" || inv.command == "metropolis") {
    return inv.command == "hmc" ? command_hmc(mpi, inv) : command_metropolis(mpi, inv);
  }
  if (inv.command == "hybrid") return command_hybrid(mpi, inv);
  if (inv.command == "train" || inv.command == "sample") {
    return inv.command == "train" ? command_train(mpi, inv) : command_sample(mpi, inv);
  }
  if (inv.command == "inspect") {
    if (inv.positional.size() != 1) throw InputError("inspect: expected one file name");
    return mpi.is_root() ? command_inspect(inv.positional[0], std::cout) : 0;
  }
  if (inv.command == "analyze") {
    if (!inv.overrides.empty() || !inv.config_path.empty())
      throw InputError("analyze: expected only file names (and --json)");
    const AnalyzeOutput format = inv.flags.empty() ? AnalyzeOutput::Table : AnalyzeOutput::Json;
    return mpi.is_root() ? command_analyze(inv.positional, format, std::cout) : 0;
  }
  if (inv.command == "keys") {
    // the keys of the default theory, or of the one named: keys --theory.name=u1
    if (mpi.is_root())
      std::cout << Config::load(inv.config_path, inv.overrides).resolved_text(/*with_help=*/true);
    return 0;
  }
  if (inv.command == "--version" || inv.command == "version") {
    if (mpi.is_root())
      std::cout << "flowlat " << FLOWLAT_VERSION_STRING << " (" << FLOWLAT_GIT_COMMIT << ")\n"
                << "simd: " << simd_path_name(simd_path())
                << " (built: " << simd_path_list(simd_paths_built())
                << "; this CPU runs: " << simd_path_list(simd_paths_runnable()) << "; "
                << kSimdVariable << " chooses)\n";
    return 0;
  }
  if (inv.command == "--help" || inv.command == "-h" || inv.command == "help") {
    if (mpi.is_root()) std::cout << kUsage;
    return 0;
  }
  throw InputError("unknown command '" + inv.command + "' (expected train, sample, hybrid, hmc, metropolis, inspect, analyze, keys, version, help)");
}

// A duplicate of the run's communicator for the end-of-run agreement: its
// collective calls can never be matched with the application's.
class AgreementComm {
 public:
  explicit AgreementComm(MPI_Comm comm) { MPI_Comm_dup(comm, &comm_); }
  AgreementComm(const AgreementComm&) = delete;
  AgreementComm& operator=(const AgreementComm&) = delete;
  ~AgreementComm() { MPI_Comm_free(&comm_); }
  MPI_Comm get() const { return comm_; }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
};

// Seconds a rank with an input error waits for the others to arrive.
constexpr double kAgreementSeconds = 15;

// Collective over `comm`: the lowest rank that `failed` (size if none), or -1
// when this rank failed and the others did not all arrive in time. Input is
// checked identically on every rank, so an input error is normally thrown by
// all of them together; a rank alone with its error (a file only it cannot
// read) would otherwise leave the others blocked in a collective call forever.
int first_failed_rank(MPI_Comm comm, int rank, int size, bool failed) {
  int mine = failed ? rank : size, lowest = size;
  MPI_Request request;
  MPI_Iallreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, comm, &request);
  if (!failed) {
    MPI_Wait(&request, MPI_STATUS_IGNORE);
    return lowest;
  }
  const double deadline = MPI_Wtime() + kAgreementSeconds;
  int done = 0;
  while (MPI_Test(&request, &done, MPI_STATUS_IGNORE), !done) {
    if (MPI_Wtime() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return lowest;
}

// Everything between MPI_Init and MPI_Finalize; returns the exit code. Kokkos
// starts only after the command line and its environment variables are
// checked (Kokkos 3 throws on bad ones, Kokkos 4 aborts).
int run(const flowlat::MpiContext& mpi, int argc, char** argv) {
  using namespace flowlat;
  const AgreementComm agreement(mpi.comm());
  int code = 0;
  std::string input_error;
  try {
    KokkosArguments kokkos(argv[0]);
    const Invocation inv = parse(argc, argv, kokkos);
    if (kokkos.help_requested()) {
      if (mpi.is_root()) std::cout << KokkosArguments::help_text();
      return 0;
    }
    KokkosArguments::check_environment();
    agree_simd_path(mpi);  // FLOWLAT_SIMD is checked here, before anything starts
    std::optional<Kokkos::ScopeGuard> guard;
    try {
      guard.emplace(kokkos.argc(), kokkos.argv());
    } catch (const std::exception& e) {
      // what is left to Kokkos to reject: its KOKKOS_* environment variables
      std::string what = e.what();
      what = what.substr(0, std::min(what.find('\n'), what.find(" Raised by")));
      throw InputError("Kokkos::initialize: " + what);
    }
    const StopSignalGuard stop_on_signals;
    code = dispatch(mpi, inv);
  } catch (const InputError& e) {
    input_error = e.what();
    if (input_error.empty()) input_error = "bad input";
  } catch (const CollectiveFailure& e) {
    // every rank threw the same: one line, no abort
    if (mpi.is_root()) std::fprintf(stderr, "flowlat: error: %s\n", e.what());
    return kExitRuntimeFailure;
  } catch (const std::exception& e) {
    // not the user's input, or a rank-local failure: stop every rank now
    std::fprintf(stderr, "flowlat: fatal error on rank %d: %s\n", mpi.rank(), e.what());
    if (mpi.size() > 1) MPI_Abort(MPI_COMM_WORLD, kExitRuntimeFailure);
    return kExitRuntimeFailure;
  } catch (...) {
    std::fprintf(stderr, "flowlat: fatal error on rank %d: unknown exception\n", mpi.rank());
    if (mpi.size() > 1) MPI_Abort(MPI_COMM_WORLD, kExitRuntimeFailure);
    return kExitRuntimeFailure;
  }
  const bool failed = !input_error.empty();
  const int reporter =
      mpi.size() == 1 ? (failed ? 0 : 1) : first_failed_rank(agreement.get(), mpi.rank(), mpi.size(), failed);
  if (reporter < 0) {  // alone with the error: report it and end the job
    std::fprintf(stderr, "flowlat: error: %s\n", input_error.c_str());
    MPI_Abort(MPI_COMM_WORLD, kExitInputError);
  }
  if (reporter == mpi.size()) return code;
  if (reporter == mpi.rank()) std::fprintf(stderr, "flowlat: error: %s\n", input_error.c_str());
  return kExitInputError;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int code = 0;
  {
    const flowlat::MpiContext mpi(MPI_COMM_WORLD);
    code = run(mpi, argc, argv);
  }
  MPI_Finalize();
  return code;
}
