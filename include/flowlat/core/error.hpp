// Error types: InputError (bad input, exit code 2) and RuntimeFailure (anything else).
#pragma once
#include <stdexcept>
#include <string>

namespace flowlat {

// A user mistake in an input file, an override or a file argument. The message
// is one line that names the key or file; the application exits with code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A failure that is not the user's input: I/O, MPI, library errors.
class RuntimeFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A RuntimeFailure that every rank detects and throws identically (e.g. from
// values that are global after an allreduce): printed once by rank 0, and
// the job ends without MPI_Abort.
class CollectiveFailure : public RuntimeFailure {
 public:
  using RuntimeFailure::RuntimeFailure;
};

inline constexpr int kExitInputError = 2;
inline constexpr int kExitRuntimeFailure = 1;

}  // namespace flowlat
