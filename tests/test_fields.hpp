// Helpers shared by tests: random fields on the device, host copies.
#pragma once
#include <random>
#include <vector>

#include "flowlat/core/types.hpp"

namespace flowlat::testing_support {

inline Field random_field(index_t batch, index_t dof, unsigned seed, double scale = 1.0) {
  Field f("test.field", batch, dof);
  auto h = Kokkos::create_mirror_view(f);
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal(0.0, scale);
  for (index_t b = 0; b < batch; ++b)
    for (index_t x = 0; x < dof; ++x) h(b, x) = normal(gen);
  Kokkos::deep_copy(f, h);
  return f;
}

// Angles uniform on [0, 2 pi): Haar-random U(1) links (or gauge transformations).
inline Field uniform_links(index_t batch, index_t dof, unsigned seed) {
  Field f("test.links", batch, dof);
  auto h = Kokkos::create_mirror_view(f);
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(0.0, 2 * 3.14159265358979323846);
  for (index_t b = 0; b < batch; ++b)
    for (index_t x = 0; x < dof; ++x) h(b, x) = u(gen);
  Kokkos::deep_copy(f, h);
  return f;
}

// Always a copy (create_mirror), never an alias of a host-space field.
inline FieldHost to_host(const Field& f) {
  auto h = Kokkos::create_mirror(f);
  Kokkos::deep_copy(h, f);
  return h;
}

inline std::vector<double> to_host(const BatchScalar& v) {
  auto h = Kokkos::create_mirror_view_and_copy(HostSpace(), v);
  return std::vector<double>(h.data(), h.data() + h.extent(0));
}

}  // namespace flowlat::testing_support
