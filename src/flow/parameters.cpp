// ParameterStore: block bookkeeping on the host, one value and one gradient array on the device.
#include "flowlat/flow/parameters.hpp"

#include "flowlat/core/error.hpp"

namespace flowlat {

index_t ParameterStore::add(index_t count, const std::string& name) {
  if (allocated_)
    throw RuntimeFailure("ParameterStore: block '" + name + "' added after allocate()");
  if (count < 0) throw RuntimeFailure("ParameterStore: block '" + name + "' has negative size");
  for (const Block& b : blocks_)
    if (b.name == name) throw RuntimeFailure("ParameterStore: block '" + name + "' added twice");
  const index_t offset = size_;
  blocks_.push_back(Block{name, offset, count});
  size_ += count;
  return offset;
}

void ParameterStore::allocate() {
  if (allocated_) throw RuntimeFailure("ParameterStore: allocate() called twice");
  values_ = ParamVector("flow.parameters", size_);  // Views are zero-initialised
  grads_ = ParamVector("flow.gradients", size_);
  allocated_ = true;
}

void ParameterStore::zero_grads() const {
  if (allocated_) Kokkos::deep_copy(grads_, 0.0);
}

const ParameterStore::Block& ParameterStore::block(const std::string& name) const {
  for (const Block& b : blocks_)
    if (b.name == name) return b;
  throw RuntimeFailure("ParameterStore: no block named '" + name + "'");
}

}  // namespace flowlat
