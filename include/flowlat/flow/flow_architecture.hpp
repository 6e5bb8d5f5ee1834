// What a flow is built from, as the flow.* keys describe it: the coupling
// type, the layer count and the options of each coupling's network. The
// theory turns it into layers (Theory::flow_stack).
#pragma once
#include <string>
#include <vector>

#include "flowlat/flow/activation.hpp"
#include "flowlat/flow/net_precision.hpp"

namespace flowlat {

// phi4 affine couplings: Z2 makes s even and t odd in the frozen field, so
// f(-z) = -f(z).
enum class Equivariance { None, Z2 };
Equivariance equivariance_from_name(const std::string& name);

struct CouplingOptions {
  std::vector<int> hidden{8, 8};
  int kernel = 3;
  Activation hidden_activation = Activation::LeakyReLU;
  Activation final_activation = Activation::Tanh;  // the tutorial's final tanh on (s, t)
  Equivariance equivariance = Equivariance::None;  // affine couplings
  int components = 2;                              // circle maps: mixture components or bins
  // The net's last convolution starts at zero, so a coupling whose map is the
  // identity at zero output (U(1)'s NCP: alpha = e^0, no rotation) starts as
  // the identity and the untrained flow is its prior. Set by the theory (U(1)
  // with flow.prior = plaquette, a prior close to the target already), not a key.
  bool identity_start = false;
  // Not part of what a model is: a run's choice (flow.precision), so a model
  // trained in one precision samples in the other. Code that builds a flow
  // by hand gets double; the key's default is float32.
  NetPrecision precision = NetPrecision::Float64;
};

struct FlowArchitecture {
  int n_layers = 16;
  std::string coupling_type = "affine";  // flow.coupling
  std::string prior;                     // flow.prior where a theory has a choice, else ""
  CouplingOptions coupling;
};

}  // namespace flowlat
