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
  ChainRange split(std::int64_t n) const {
    const std::int64_t base = n / size_, extra = n % size_;
    ChainRange r;
    r.count = base + (rank_ < extra ? 1 : 0);
    r.begin = rank_ * base + (rank_ < extra ? rank_ : extra);
    return r;
  }

 private:
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

}  // namespace flowlat
