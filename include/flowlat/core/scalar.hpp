// The scalar and index types without Kokkos: code compiled apart from it (the
// per-instruction-set flow kernels, src/flow/isa/) sees the same types.
#pragma once
#include <cstdint>

namespace flowlat {

using real_t = double;
using index_t = std::int64_t;

}  // namespace flowlat
