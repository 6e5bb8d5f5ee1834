// The interface a lattice theory plugs in through. Samplers, trainers and
// writers only ever see this: the field's shape, action and force, how the
// field moves in molecular dynamics, how it starts, what is measured on it,
// its local update, and the flow (prior and coupling layers) that fits its
// field type. A theory lives in its own folder (theory/<name>/) and is listed
// once in theory_registry.cpp; nothing outside that folder names it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "flowlat/core/types.hpp"
#include "flowlat/lattice/geometry.hpp"

namespace flowlat {

class Config;
class ChainUpdate;
class ObservableSet;
class ParameterStore;
struct FlowArchitecture;
struct FlowStack;

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
  // The molecular-dynamics drift field += h p of configurations 0..n-1. Flat
  // coordinates (a real scalar, U(1) angles) move additively, the default; a
  // group-valued field (SU(N)) would move by the exponential map.
  virtual void drift(const Field& field, const Field& momentum, real_t h, index_t n) const;
  // The molecular-dynamics kick momentum -= h dS/d(field). Default: force()
  // into `scratch`, then the update; a theory may fuse the two (one pass over
  // memory instead of three: HMC is bandwidth-bound on large lattices). The
  // result must equal the default's bit for bit.
  virtual void kick(const Field& field, const Field& momentum, real_t h, index_t n,
                    const Field& scratch) const;

  // run.start = hot: a random configuration of chains 0..n-1 (global chain
  // first_chain + b) from CounterRng(seed, chain). Default: unit normal per dof.
  // (run.start = cold is the zero field for every theory.)
  virtual void hot_start(const Field& field, index_t n, std::uint64_t seed,
                         std::int64_t first_chain) const;

  // The observables measured on saved configurations, for batches of up to
  // max_batch configurations.
  virtual std::unique_ptr<ObservableSet> observables(index_t max_batch) const = 0;
  // Exact expectation values of some of those observables at this point
  // (name, value), where the theory knows them (analyze prints them beside
  // the measurements); empty elsewhere.
  virtual std::vector<std::pair<std::string, double>> exact_expectations() const { return {}; }
  // ln of the integral of e^-S over the field's coordinates (the measure of
  // the flow's density q: phi4 R^V, U(1) angles in [0, 2 pi)), where the
  // theory knows it exactly; NaN elsewhere. The NIS estimate from flow
  // samples is checked against it.
  virtual double exact_log_partition_function() const;

  // The local update of `flowlat metropolis` (its keys: metropolis.*) for
  // chains first_chain, ... of a batch of up to `capacity`.
  virtual std::unique_ptr<ChainUpdate> local_update(const Config& config, std::uint64_t seed,
                                                    std::int64_t first_chain,
                                                    index_t capacity) const = 0;

  // The prior and coupling layers of a flow for this field type, with the
  // parameters registered in `store`; InputError naming the flow.* key when
  // the architecture does not fit this theory or lattice.
  virtual FlowStack flow_stack(const FlowArchitecture& architecture, ParameterStore& store,
                               index_t capacity) const = 0;

  const Geometry& geometry() const { return geometry_; }

 private:
  Geometry geometry_;
};

// The theory named by theory.name, with its couplings from the config.
std::unique_ptr<Theory> make_theory(const Config& config, const Geometry& geometry);

}  // namespace flowlat
