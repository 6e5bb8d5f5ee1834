// All trainable parameters of a model in one flat device array, so Adam,
// the MPI_Allreduce of gradients and HDF5 save/load each see one array.
#pragma once
#include <string>
#include <vector>

#include "flowlat/core/types.hpp"

namespace flowlat {

using ParamVector = Kokkos::View<real_t*, MemSpace>;

// Layers register named blocks while the model is built, then allocate()
// creates the value and gradient arrays; a layer keeps its block offsets.
class ParameterStore {
 public:
  struct Block {
    std::string name;
    index_t offset, count;
  };

  // Registers a block of `count` parameters and returns its offset. Only
  // before allocate(); names must be unique (they name datasets in model files).
  index_t add(index_t count, const std::string& name);
  // Values and gradients, zero-initialised.
  void allocate();
  bool allocated() const { return allocated_; }

  index_t size() const { return size_; }
  ParamVector values() const { return values_; }
  ParamVector grads() const { return grads_; }
  void zero_grads() const;

  const std::vector<Block>& blocks() const { return blocks_; }
  // The block called `name`; RuntimeFailure if there is none.
  const Block& block(const std::string& name) const;

 private:
  std::vector<Block> blocks_;
  index_t size_ = 0;
  bool allocated_ = false;
  ParamVector values_, grads_;
};

}  // namespace flowlat
