// NetPrecision <-> its flow.precision name.
#include "flowlat/flow/net_precision.hpp"

#include "flowlat/core/error.hpp"

namespace flowlat {

NetPrecision net_precision_from_name(const std::string& name) {
  if (name == "float32") return NetPrecision::Float32;
  if (name == "float64") return NetPrecision::Float64;
  throw InputError("flow.precision: unknown value '" + name + "', expected float32|float64");
}

std::string net_precision_name(NetPrecision precision) {
  return precision == NetPrecision::Float32 ? "float32" : "float64";
}

}  // namespace flowlat
