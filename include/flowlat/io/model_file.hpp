// Model files: a trained flow (architecture, parameters, Adam state, training
// history) in one HDF5 file, layout in docs/FILE_FORMAT.md ("Model files").
// Written by one process (rank 0: the model is identical on every rank) with
// the default file driver, to "<path>.tmp" and then renamed, so a killed job
// never leaves a half-written file under the real name.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "flowlat/flow/adam.hpp"
#include "flowlat/flow/flow.hpp"
#include "flowlat/flow/training_history.hpp"
#include "flowlat/theory/theory.hpp"

namespace flowlat {

class Config;

struct ModelFileContents {
  std::string path;
  std::string input;  // the resolved input of the training run (root attr `input`)
  FlowArchitecture architecture;  // built from architecture_keys for theory_name
  // The flow.* keys the model was built from (/model/architecture), and each
  // layer's "type: mask" and the prior's name (/model/layers; empty in format 1).
  std::vector<std::pair<std::string, std::string>> architecture_keys;
  std::vector<std::pair<std::string, std::string>> layers;
  std::string theory_name;
  // flow.precision of the training run (/model attr trained_precision;
  // "float64" in files written before it existed, which all trained in double)
  std::string trained_precision = "float64";
  std::vector<std::pair<std::string, double>> couplings;  // e.g. {"m2", -4}, {"lambda", 8}
  std::vector<int> shape;                                 // lattice.shape
  std::vector<double> parameters;
  std::string params_hash;
  // Parameter blocks (ParameterStore order): name, offset, count.
  struct Block {
    std::string name;
    std::int64_t offset = 0, count = 0;
  };
  std::vector<Block> blocks;
  bool has_optimizer = false;  // /model/optimizer present
  std::vector<double> adam_m, adam_v;
  long long adam_step = 0;
  TrainingHistory history;
};

// 64-bit FNV-1a of the raw (little-endian IEEE) bytes of `values`, as 16 hex digits.
std::string parameter_hash(const std::vector<double>& values);
// The flow's parameters on the host.
std::vector<double> host_parameters(const Flow& flow);

// Writes the model file (one process only). `adam` may be null (no optimizer
// state is written then). InputError if `path` exists and !overwrite;
// RuntimeFailure if writing fails.
void write_model_file(const std::string& path, bool overwrite, const Flow& flow, const Adam* adam,
                      const Theory& theory, const Config& config, const std::string& command_line,
                      const TrainingHistory& history);

// Reads and verifies a model file. InputError "<path>: ..." for a missing,
// foreign (not a flowlat model), incomplete or corrupt file (n_params or
// params_hash disagreeing with /model/parameters, unreadable data).
ModelFileContents read_model_file(const std::string& path);
// Whether `path` is an HDF5 file that says it is a flowlat model (its root
// attribute `kind`); no verification beyond that (read_model_file does it).
bool is_model_file(const std::string& path);

// Compares the model with the run configured by `config`: theory name and
// couplings, lattice.shape and every flow.* key the model was built from. A mismatch is an
// InputError naming the key, e.g. "lattice.shape: model file 'm.h5' was
// trained with lattice.shape = 8,8, this run has 16,16".
// With `transfer` (sample.transfer = true) the lattice extents may differ
// from the trained ones, as long as the dimension is the same: every layer is
// a periodic convolution, so the parameters do not depend on L.
void check_model_matches(const ModelFileContents& model, const Config& config,
                         const std::string& path, bool transfer = false);

// Copies the parameters into `flow` (its parameter blocks must match the
// file's: InputError otherwise) and, if `adam` is given, the optimizer state
// (InputError if the file has none).
void restore_model(const ModelFileContents& model, Flow& flow, Adam* adam);

}  // namespace flowlat
