// Configurations for forward-KL training, read from an ensemble file written
// by flowlat hmc | metropolis | sample and checked against the run.
#pragma once
#include <string>

#include "flowlat/core/types.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat {

// Every saved configuration of every chain of `path`, as a device Field
// [n][dof]. InputError naming train.data when the file is not an ensemble,
// holds no configurations, or was generated for another theory, coupling or
// lattice shape than `theory`.
Field read_training_data(const std::string& path, const Theory& theory);

}  // namespace flowlat
