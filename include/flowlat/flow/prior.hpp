// The base distribution r(z) of a flow: how its samples are drawn, their log
// density and its gradient. A unit normal per degree of freedom for a real
// scalar field; the uniform (Haar) measure on [0, 2 pi) for U(1) link angles.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "flowlat/core/philox.hpp"
#include "flowlat/core/types.hpp"

namespace flowlat {

class Prior {
 public:
  virtual ~Prior() = default;
  virtual std::string name() const = 0;  // recorded in model files

  // z(b, x) for b < n from CounterRng(seed, first_stream + b) at
  // (purpose, step, element first_element + x): sample b of a global batch is
  // the same on any rank; first_element separates several draws of one step.
  virtual void draw(const Field& z, index_t n, std::uint64_t seed, std::int64_t first_stream,
                    RandomPurpose purpose, std::uint32_t step,
                    std::uint64_t first_element = 0) const = 0;
  // log r(z) per configuration.
  virtual void log_density(const Field& z, index_t n, const BatchScalar& log_r) const = 0;
  // g(b, x) = grad_log_r(b) * d log r / dz(b, x): the gradient a loss
  // L(log r) sends to z.
  virtual void log_density_gradient(const Field& z, index_t n, const BatchScalar& grad_log_r,
                                    const Field& g) const = 0;
};

// r(z) = prod_x exp(-z_x^2 / 2) / sqrt(2 pi).
class NormalPrior final : public Prior {
 public:
  std::string name() const override { return "normal"; }
  void draw(const Field& z, index_t n, std::uint64_t seed, std::int64_t first_stream,
            RandomPurpose purpose, std::uint32_t step,
            std::uint64_t first_element = 0) const override;
  void log_density(const Field& z, index_t n, const BatchScalar& log_r) const override;
  void log_density_gradient(const Field& z, index_t n, const BatchScalar& grad_log_r,
                            const Field& g) const override;
};

// r(z) = (2 pi)^-dof on [0, 2 pi)^dof: the Haar measure of U(1) links.
class UniformAnglePrior final : public Prior {
 public:
  std::string name() const override { return "haar"; }
  void draw(const Field& z, index_t n, std::uint64_t seed, std::int64_t first_stream,
            RandomPurpose purpose, std::uint32_t step,
            std::uint64_t first_element = 0) const override;
  void log_density(const Field& z, index_t n, const BatchScalar& log_r) const override;
  void log_density_gradient(const Field& z, index_t n, const BatchScalar& grad_log_r,
                            const Field& g) const override;
};

}  // namespace flowlat
