// The flowlat subcommands; each returns the process exit code.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace flowlat {

class MpiContext;

// What the command line asked for: the config file, overrides, and the line itself.
struct Invocation {
  std::string command;
  std::string config_path;             // empty: built-in defaults
  std::vector<std::string> overrides;  // "--section.key=value"
  std::vector<std::string> positional;  // e.g. the file of `inspect`
  std::vector<std::string> flags;       // bare options of a command: `analyze --json`
  std::string command_line;            // recorded in every output
};

int command_hmc(const MpiContext& mpi, const Invocation& inv);
int command_metropolis(const MpiContext& mpi, const Invocation& inv);
// Trains a flow (reverse or forward KL) and writes flow.model (src/app/command_train.cpp).
int command_train(const MpiContext& mpi, const Invocation& inv);
int command_sample(const MpiContext& mpi, const Invocation& inv);
// HMC trajectories alternating with flow independence-MH proposals (src/app/command_hybrid.cpp).
int command_hybrid(const MpiContext& mpi, const Invocation& inv);
int command_inspect(const std::string& path, std::ostream& out);
// Gamma-method table of every observable of the files, side by side, or
// the same numbers as JSON (`analyze --json`).
enum class AnalyzeOutput { Table, Json };
int command_analyze(const std::vector<std::string>& paths, AnalyzeOutput format, std::ostream& out);

}  // namespace flowlat
