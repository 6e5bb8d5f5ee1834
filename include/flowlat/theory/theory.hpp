// The interface a lattice theory plugs in through: field shape, action and
// force for a batch of configurations. Samplers only ever see this.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "flowlat/core/types.hpp"
#include "flowlat/lattice/geometry.hpp"

namespace flowlat {

class Config;

class Theory {
 public:
  explicit Theory(const Geometry& geometry) : geometry_(geometry) {}
  virtual ~Theory() = default;

  virtual std::string name() const = 0;
  // Shape of one configuration as stored on file (e.g. {L0, L1} for a scalar,
  // {d, L0, L1} for links); the flat dof axis of a Field is its row-major order.
  virtual std::vector<std::int64_t> field_shape() const = 0;
  index_t dof() const;
  // Coupling name -> value, as recorded in outputs and printed by inspect.
  virtual std::vector<std::pair<std::string, double>> couplings() const = 0;

  // S of configurations 0..n-1 of `field` into S(0..n-1).
  virtual void action(const Field& field, index_t n, const BatchScalar& S) const = 0;
  // dS/d(field) of configurations 0..n-1.
  virtual void force(const Field& field, index_t n, const Field& dS) const = 0;

  const Geometry& geometry() const { return geometry_; }

 private:
  Geometry geometry_;
};

// The theory named by theory.name, with its couplings from the config.
std::unique_ptr<Theory> make_theory(const Config& config, const Geometry& geometry);

}  // namespace flowlat
