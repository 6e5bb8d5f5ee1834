// Rank-0 logging: messages go to stdout on rank 0 only (errors to stderr).
#pragma once
#include <cstdio>
#include <string>

#include "flowlat/core/mpi_context.hpp"

namespace flowlat {

class Log {
 public:
  explicit Log(const MpiContext& mpi) : root_(mpi.is_root()) {}
  void info(const std::string& line) const {
    if (root_) std::printf("%s\n", line.c_str()), std::fflush(stdout);
  }
  bool root() const { return root_; }

 private:
  bool root_;
};

}  // namespace flowlat
