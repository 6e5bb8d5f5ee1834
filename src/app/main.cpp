// flowlat entry point: MPI and Kokkos set-up, subcommand dispatch, and the
// mapping of errors to exit codes (bad input: one line, exit 2).
#include <Kokkos_Core.hpp>
#include <mpi.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "commands.hpp"
#include "flowlat/core/config.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/mpi_context.hpp"
#include "flowlat/core/version_info.hpp"

namespace {

const char* kUsage =
    "usage: flowlat <command> [--config FILE] [--section.key=value ...]\n"
    "commands:\n"
    "  train       train a flow (reverse or forward KL)  (inputs/phi4_train.ini)\n"
    "  sample      flow independence Metropolis-Hastings chain   (inputs/phi4_sample.ini)\n"
    "  hybrid      chains of HMC trajectories + flow proposals  (inputs/phi4_hybrid.ini)\n"
    "  hmc         independent HMC chains            (inputs/phi4_hmc.ini)\n"
    "  metropolis  checkerboard local Metropolis     (inputs/phi4_metropolis.ini)\n"
    "  inspect F   print what an HDF5 file holds\n"
    "  analyze F.. Gamma-method table of every observable, files side by side\n"
    "Without --config the built-in defaults are used; `flowlat keys` lists every key.\n";

flowlat::Invocation parse(int argc, char** argv) {
  flowlat::Invocation inv;
  for (int i = 0; i < argc; ++i) inv.command_line += (i ? " " : "") + std::string(argv[i]);
  if (argc < 2) throw flowlat::InputError("no command given (try: flowlat help)");
  inv.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--kokkos-", 0) == 0) continue;  // Kokkos' own options
    if (arg == "--config") {
      if (i + 1 >= argc) throw flowlat::InputError("--config: expected a file name");
      inv.config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      inv.config_path = arg.substr(9);
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
  if (inv.command == "hmc" || inv.command == "metropolis") {
    if (!inv.positional.empty())
      throw InputError("unexpected argument '" + inv.positional[0] + "' (use --config FILE)");
    return inv.command == "hmc" ? command_hmc(mpi, inv) : command_metropolis(mpi, inv);
  }
  if (inv.command == "train" || inv.command == "sample" || inv.command == "hybrid") {
    if (!inv.positional.empty())
      throw InputError("unexpected argument '" + inv.positional[0] + "' (use --config FILE)");
    if (inv.command == "hybrid") return command_hybrid(mpi, inv);
    return inv.command == "train" ? command_train(mpi, inv) : command_sample(mpi, inv);
  }
  if (inv.command == "inspect") {
    if (inv.positional.size() != 1) throw InputError("inspect: expected one file name");
    return mpi.is_root() ? command_inspect(inv.positional[0], std::cout) : 0;
  }
  if (inv.command == "analyze") {
    if (!inv.overrides.empty() || !inv.config_path.empty())
      throw InputError("analyze: expected only file names");
    return mpi.is_root() ? command_analyze(inv.positional, std::cout) : 0;
  }
  if (inv.command == "keys") {
    if (mpi.is_root()) std::cout << Config().resolved_text(/*with_help=*/true);
    return 0;
  }
  if (inv.command == "--version" || inv.command == "version") {
    if (mpi.is_root())
      std::cout << "flowlat " << FLOWLAT_VERSION_STRING << " (" << FLOWLAT_GIT_COMMIT << ")\n";
    return 0;
  }
  if (inv.command == "--help" || inv.command == "-h" || inv.command == "help") {
    if (mpi.is_root()) std::cout << kUsage;
    return 0;
  }
  throw InputError("unknown command '" + inv.command + "' (expected train, sample, hybrid, hmc, metropolis, inspect, analyze, keys, version, help)");
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int code = 0;
  {
    const flowlat::MpiContext mpi(MPI_COMM_WORLD);
    Kokkos::ScopeGuard kokkos(argc, argv);
    try {
      code = dispatch(mpi, parse(argc, argv));
    } catch (const flowlat::InputError& e) {
      if (mpi.is_root()) std::fprintf(stderr, "flowlat: error: %s\n", e.what());
      code = flowlat::kExitInputError;
    } catch (const flowlat::CollectiveFailure& e) {
      if (mpi.is_root()) std::fprintf(stderr, "flowlat: error: %s\n", e.what());
      code = flowlat::kExitRuntimeFailure;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "flowlat: fatal error on rank %d: %s\n", mpi.rank(), e.what());
      if (mpi.size() > 1) MPI_Abort(MPI_COMM_WORLD, flowlat::kExitRuntimeFailure);
      code = flowlat::kExitRuntimeFailure;
    }
  }
  MPI_Finalize();
  return code;
}
