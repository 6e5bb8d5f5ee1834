// Project-wide aliases: scalar type, execution/memory spaces and field Views.
#pragma once
#include <Kokkos_Core.hpp>

#include "flowlat/core/scalar.hpp"

namespace flowlat {

using ExecSpace = Kokkos::DefaultExecutionSpace;
using MemSpace = ExecSpace::memory_space;
using HostSpace = Kokkos::HostSpace;

// A batch of configurations, batch index first: [batch][dof]. A theory knows
// how its degrees of freedom are laid out (one per site for phi4,
// [mu][site] for U(1) links); samplers only see the flat dof axis.
using Field = Kokkos::View<real_t**, Kokkos::LayoutRight, MemSpace>;
using FieldHost = Field::HostMirror;
// One number per configuration of a batch (action, dH, observables, ...).
using BatchScalar = Kokkos::View<real_t*, MemSpace>;
using BatchFlags = Kokkos::View<int*, MemSpace>;
// Integer tables (neighbours, stencils): [site][k].
using SiteTable = Kokkos::View<index_t**, Kokkos::LayoutRight, MemSpace>;
using SiteList = Kokkos::View<index_t*, MemSpace>;

}  // namespace flowlat
