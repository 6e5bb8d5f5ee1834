// Device-callable math functions under one name for Kokkos 3.4 (Experimental::)
// and Kokkos >= 3.7 (Kokkos::).
#pragma once
#include <Kokkos_Core.hpp>

namespace flowlat::math {
#if KOKKOS_VERSION >= 30700
using Kokkos::acos;
using Kokkos::atan2;
using Kokkos::cos;
using Kokkos::exp;
using Kokkos::fabs;
using Kokkos::floor;
using Kokkos::log;
using Kokkos::log1p;
using Kokkos::sin;
using Kokkos::sqrt;
using Kokkos::tanh;
#else
using Kokkos::Experimental::acos;
using Kokkos::Experimental::atan2;
using Kokkos::Experimental::cos;
using Kokkos::Experimental::exp;
using Kokkos::Experimental::fabs;
using Kokkos::Experimental::floor;
using Kokkos::Experimental::log;
using Kokkos::Experimental::log1p;
using Kokkos::Experimental::sin;
using Kokkos::Experimental::sqrt;
using Kokkos::Experimental::tanh;
#endif
constexpr double pi = 3.14159265358979323846;
}  // namespace flowlat::math
