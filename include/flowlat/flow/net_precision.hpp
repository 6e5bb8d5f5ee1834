// The floating-point type the flow's networks run in (flow.precision). The
// couplings' element-wise maps, log-determinants, the action, log-weights and
// the accept/reject step are double whatever it is; so are the parameters and
// the optimizer's state (the networks read a converted copy).
#pragma once
#include <string>

namespace flowlat {

enum class NetPrecision { Float32, Float64 };

// "float32" | "float64"; InputError naming flow.precision otherwise.
NetPrecision net_precision_from_name(const std::string& name);
std::string net_precision_name(NetPrecision precision);

}  // namespace flowlat
