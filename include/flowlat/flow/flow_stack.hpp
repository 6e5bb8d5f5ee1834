// What a theory builds a flow from: its prior and its coupling layers, in
// the order the forward pass applies them.
#pragma once
#include <memory>
#include <vector>

#include "flowlat/flow/coupling_layer.hpp"
#include "flowlat/flow/prior.hpp"

namespace flowlat {

struct FlowStack {
  std::unique_ptr<Prior> prior;
  std::vector<std::unique_ptr<CouplingLayer>> layers;
};

}  // namespace flowlat
