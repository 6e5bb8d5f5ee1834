// Runs the flowlat executable (optionally under mpiexec) and captures its exit
// code, stdout and stderr: the harness of the command-line tests.
#pragma once
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace flowlat::testing_support {

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `args` is appended to the command line as is (quote paths yourself).
inline RunResult run_flowlat(const std::string& args, int ranks = 0) {
  static int counter = 0;
  const std::string base = testing::TempDir() + "flowlat_run_" + std::to_string(counter++);
  std::string cmd;
  if (ranks > 0)
    cmd = std::string(FLOWLAT_MPIEXEC) + " " + FLOWLAT_MPIEXEC_FLAGS + " -n " +
          std::to_string(ranks) + " ";
  cmd += std::string(FLOWLAT_BINARY) + " " + args + " >" + base + ".out 2>" + base + ".err";
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  return r;
}

}  // namespace flowlat::testing_support
