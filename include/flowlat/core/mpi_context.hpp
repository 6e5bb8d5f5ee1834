// The MPI communicator a run works on, and how chains are spread over its ranks.
#pragma once
#include <mpi.h>

#include <cstdint>

namespace flowlat {

struct ChainRange {
  std::int64_t begin = 0;  // first global chain id on this rank
  std::int64_t count = 0;  // chains on this rank (may be 0)
};

class MpiContext {
 public:
  explicit MpiContext(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  MPI_Comm comm() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  // Contiguous blocks, the first (n mod size) ranks holding one more.
  ChainRange split(std::int64_t n) const { return split(n, rank_, size_); }
  static ChainRange split(std::int64_t n, int rank, int size) {
    const std::int64_t base = n / size, extra = n % size;
    ChainRange r;
    r.count = base + (rank < extra ? 1 : 0);
    r.begin = rank * base + (rank < extra ? rank : extra);
    return r;
  }

 private:
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

}  // namespace flowlat
