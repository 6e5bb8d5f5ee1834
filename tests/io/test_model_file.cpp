// Model files: the save -> load round trip is bit-exact (parameters, Adam
// state, architecture, history), a loaded flow computes exactly what the
// saved one did, and missing, foreign, truncated, incomplete, corrupt or
// mismatched files give an InputError naming the file or the key.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <fstream>

#include "flowlat/core/config.hpp"
#include "flowlat/core/error.hpp"
#include "flowlat/core/mpi_context.hpp"
#include "flowlat/flow/flow_config.hpp"
#include "flowlat/flow/reverse_kl_trainer.hpp"
#include "flowlat/io/h5_attributes.hpp"
#include "flowlat/io/model_file.hpp"
#include "flowlat/theory/phi4/phi4.hpp"

using namespace flowlat;
namespace fs = std::filesystem;

namespace {

// A small, non-default model: Z2 layers without the final tanh.
Config small_config() {
  Config c;
  c.set("lattice.shape", "4,4");
  c.set("theory.m2", "-1.5");
  c.set("theory.lambda", "0.7");
  c.set("flow.layers", "3");
  c.set("flow.hidden", "4,3");
  c.set("flow.equivariance", "z2");
  c.set("flow.activation", "tanh");
  c.set("flow.final_tanh", "false");
  c.set("train.batch", "6");
  c.set("train.lr", "5e-3");
  return c;
}

std::string temp_path(const std::string& name) {
  const std::string path = testing::TempDir() + "model_file_" + name + ".h5";
  fs::remove(path);
  return path;
}

// The message of the InputError `f` throws ("" if it throws none).
template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

bool bit_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// A trained model (a few Adam steps, so the optimizer state is not trivial)
// written to `path`.
struct SavedModel {
  Config config = small_config();
  Geometry geometry{config.get_int_list("lattice.shape")};
  Phi4 theory{geometry, config.get_real("theory.m2"), config.get_real("theory.lambda")};
  Flow flow{Phi4(geometry, -4.0, 8.0), flow_architecture(config), 6};
  ReverseKlTrainer trainer{MpiContext(MPI_COMM_SELF), flow, theory, 6, adam_options(config), 11};
  TrainingHistory history;

  explicit SavedModel(const std::string& path) {
    flow.initialize(5);
    for (int t = 0; t < 4; ++t) history.append(trainer.step(), 0.25 * t);
    write_model_file(path, false, flow, &trainer.optimizer(), theory, config, "flowlat test",
                     history);
  }
};

std::vector<double> host(const ParamVector& v) {
  const auto h = Kokkos::create_mirror_view_and_copy(HostSpace(), v);
  return std::vector<double>(h.data(), h.data() + h.extent(0));
}

// Opens `path` read-write and applies `edit` to the file id.
template <class F>
void edit_file(const std::string& path, F&& edit) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  edit(f);
  ASSERT_GE(H5Fclose(f), 0);
}

}  // namespace

TEST(ModelFile, RoundTripIsBitExact) {
  const std::string path = temp_path("round_trip");
  SavedModel saved(path);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  const ModelFileContents m = read_model_file(path);

  EXPECT_TRUE(bit_equal(m.parameters, host_parameters(saved.flow)));
  EXPECT_EQ(m.params_hash, parameter_hash(m.parameters));
  ASSERT_TRUE(m.has_optimizer);
  EXPECT_EQ(m.adam_step, 4);
  EXPECT_TRUE(bit_equal(m.adam_m, host(saved.trainer.optimizer().first_moment())));
  EXPECT_TRUE(bit_equal(m.adam_v, host(saved.trainer.optimizer().second_moment())));

  const FlowArchitecture& a = m.architecture;
  EXPECT_EQ(a.n_layers, 3);
  EXPECT_EQ(a.coupling.hidden, (std::vector<int>{4, 3}));
  EXPECT_EQ(a.coupling.kernel, 3);
  EXPECT_EQ(a.coupling.equivariance, Equivariance::Z2);
  EXPECT_EQ(a.coupling.hidden_activation, Activation::Tanh);
  EXPECT_EQ(a.coupling.final_activation, Activation::Identity);
  EXPECT_EQ(m.architecture.coupling_type, "affine");
  // the prior and each layer's type and mask
  const std::map<std::string, std::string> layers(m.layers.begin(), m.layers.end());
  EXPECT_EQ(layers, (std::map<std::string, std::string>{
                        {"prior", "normal"},
                        {"layer0", "affine: checkerboard, frozen parity 0"},
                        {"layer1", "affine: checkerboard, frozen parity 1"},
                        {"layer2", "affine: checkerboard, frozen parity 0"}}));
  EXPECT_EQ(m.theory_name, "phi4");
  EXPECT_EQ(m.trained_precision, "float32");  // flow.precision's default
  EXPECT_EQ(m.couplings, (std::vector<std::pair<std::string, double>>{{"m2", -1.5}, {"lambda", 0.7}}));
  EXPECT_EQ(m.shape, (std::vector<int>{4, 4}));
  EXPECT_NE(m.input.find("hidden = 4,3"), std::string::npos) << m.input;

  const auto& blocks = saved.flow.parameters().blocks();
  ASSERT_EQ(m.blocks.size(), blocks.size());
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(m.blocks[i].name, blocks[i].name);
    EXPECT_EQ(m.blocks[i].offset, std::int64_t(blocks[i].offset));
    EXPECT_EQ(m.blocks[i].count, std::int64_t(blocks[i].count));
  }

  ASSERT_EQ(m.history.size(), 4u);
  EXPECT_EQ(m.history.step, (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(bit_equal(m.history.loss, saved.history.loss));
  EXPECT_TRUE(bit_equal(m.history.ess, saved.history.ess));
  EXPECT_TRUE(bit_equal(m.history.grad_norm, saved.history.grad_norm));
  EXPECT_TRUE(bit_equal(m.history.lr, saved.history.lr));
  EXPECT_TRUE(bit_equal(m.history.wall_time, saved.history.wall_time));
  EXPECT_NO_THROW(check_model_matches(m, saved.config, path));
}

TEST(ModelFile, RestoredFlowComputesTheSameAndContinuesTraining) {
  const std::string path = temp_path("restore");
  SavedModel saved(path);
  const ModelFileContents m = read_model_file(path);

  Flow flow(Phi4(saved.geometry, -4.0, 8.0), flow_architecture(saved.config), 6);
  ReverseKlTrainer trainer(MpiContext(MPI_COMM_SELF), flow, saved.theory, 6,
                           adam_options(saved.config), 11);
  restore_model(m, flow, &trainer.optimizer());
  EXPECT_EQ(trainer.steps_taken(), 4);

  // identical forward outputs on the same z
  const index_t V = saved.geometry.volume();
  Field z("z", 6, V), phi_a("phi_a", 6, V), phi_b("phi_b", 6, V);
  BatchScalar lq_a("lq_a", 6), lq_b("lq_b", 6);
  auto zh = Kokkos::create_mirror_view(z);
  for (index_t b = 0; b < 6; ++b)
    for (index_t x = 0; x < V; ++x) zh(b, x) = std::sin(0.7 * double(b) + 1.3 * double(x));
  Kokkos::deep_copy(z, zh);
  saved.flow.forward(z, 6, phi_a, lq_a);
  flow.forward(z, 6, phi_b, lq_b);
  const auto pa = Kokkos::create_mirror_view_and_copy(HostSpace(), phi_a);
  const auto pb = Kokkos::create_mirror_view_and_copy(HostSpace(), phi_b);
  const auto la = Kokkos::create_mirror_view_and_copy(HostSpace(), lq_a);
  const auto lb = Kokkos::create_mirror_view_and_copy(HostSpace(), lq_b);
  for (index_t b = 0; b < 6; ++b) {
    ASSERT_EQ(la(b), lb(b)) << "config " << b;
    for (index_t x = 0; x < V; ++x) ASSERT_EQ(pa(b, x), pb(b, x)) << "config " << b << " site " << x;
  }

  // the continued run takes exactly the steps the original would have taken
  for (int t = 0; t < 3; ++t) {
    const auto a = saved.trainer.step(), b = trainer.step();
    EXPECT_EQ(a.step, b.step);
    EXPECT_EQ(a.loss, b.loss) << "step " << a.step;
  }
  EXPECT_TRUE(bit_equal(host_parameters(saved.flow), host_parameters(flow)));
}

TEST(ModelFile, FlippedParameterByteGivesHashError) {
  const std::string path = temp_path("flipped");
  const SavedModel saved(path);
  edit_file(path, [](hid_t f) {
    const hid_t d = H5Dopen2(f, "/model/parameters", H5P_DEFAULT);
    ASSERT_GE(d, 0);
    const hid_t space = H5Dget_space(d);
    std::vector<double> v(std::size_t(H5Sget_simple_extent_npoints(space)));
    ASSERT_GE(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), 0);
    reinterpret_cast<unsigned char*>(v.data())[8 * (v.size() / 2) + 3] ^= 0x10;
    ASSERT_GE(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), 0);
    H5Sclose(space);
    H5Dclose(d);
  });
  const std::string err = input_error([&] { read_model_file(path); });
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("hash"), std::string::npos) << err;
}

// A diverged training's parameters (NaN, with a matching hash: the file is
// intact, the model is broken) are refused by every reader, naming the block.
TEST(ModelFile, NonFiniteParametersAreRefused) {
  const std::string path = temp_path("nan");
  SavedModel saved(temp_path("nan_source"));
  auto values = Kokkos::create_mirror_view_and_copy(HostSpace(), saved.flow.parameters().values());
  const auto& block = saved.flow.parameters().blocks().at(1);
  values(block.offset + 2) = std::nan("");
  Kokkos::deep_copy(saved.flow.parameters().values(), values);
  write_model_file(path, false, saved.flow, nullptr, saved.theory, saved.config, "x", {});
  const std::string err = input_error([&] { read_model_file(path); });
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("not finite"), std::string::npos) << err;
  EXPECT_NE(err.find(block.name), std::string::npos) << err;
}

TEST(ModelFile, MissingForeignTruncatedIncompleteFilesAreInputErrors) {
  const std::string missing = testing::TempDir() + "no_such_dir/model.h5";
  std::string err = input_error([&] { read_model_file(missing); });
  EXPECT_NE(err.find(missing), std::string::npos) << err;

  const std::string text = temp_path("text");
  std::ofstream(text) << "not a model";
  err = input_error([&] { read_model_file(text); });
  EXPECT_NE(err.find(text), std::string::npos) << err;

  // an HDF5 file that is not a model (no kind attribute)
  const std::string foreign = temp_path("foreign");
  H5Fclose(H5Fcreate(foreign.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  err = input_error([&] { read_model_file(foreign); });
  EXPECT_NE(err.find(foreign), std::string::npos) << err;
  EXPECT_NE(err.find("not a flowlat model"), std::string::npos) << err;

  // truncated: the first half of a valid file
  const std::string whole = temp_path("whole"), truncated = temp_path("truncated");
  { const SavedModel saved(whole); }
  {
    std::ifstream in(whole, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(truncated, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() / 2));
  }
  err = input_error([&] { read_model_file(truncated); });
  EXPECT_NE(err.find(truncated), std::string::npos) << err;

  // incomplete: complete = 0, as a file whose writer died would have it
  edit_file(whole, [](hid_t f) {
    const hid_t a = H5Aopen(f, "complete", H5P_DEFAULT);
    const std::int32_t zero = 0;
    ASSERT_GE(H5Awrite(a, H5T_NATIVE_INT32, &zero), 0);
    H5Aclose(a);
  });
  err = input_error([&] { read_model_file(whole); });
  EXPECT_NE(err.find(whole), std::string::npos) << err;
  EXPECT_NE(err.find("incomplete"), std::string::npos) << err;
}

// /model/trained_precision: absent in files of older builds (which trained in
// float64), refused with the file and the attribute named when not a precision.
TEST(ModelFile, TrainedPrecisionAbsentOrCorrupt) {
  const std::string path = temp_path("precision");
  { const SavedModel saved(path); }
  const auto set_precision = [&](const char* value) {
    edit_file(path, [&](hid_t f) {
      const hid_t model = H5Gopen2(f, "model", H5P_DEFAULT);
      ASSERT_GE(model, 0);
      if (H5Aexists(model, "trained_precision") > 0) {
        ASSERT_GE(H5Adelete(model, "trained_precision"), 0);
      }
      if (value) h5::write_string_attr({model, "/model", path}, "trained_precision", value);
      H5Gclose(model);
    });
  };
  set_precision(nullptr);
  EXPECT_EQ(read_model_file(path).trained_precision, "float64");
  set_precision("float16");
  const std::string err = input_error([&] { read_model_file(path); });
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("trained_precision"), std::string::npos) << err;
}

TEST(ModelFile, ExistingFileIsKeptWithoutOverwrite) {
  const std::string path = temp_path("exists");
  const SavedModel saved(path);
  const std::string hash = read_model_file(path).params_hash;
  const std::string err = input_error([&] {
    write_model_file(path, false, saved.flow, nullptr, saved.theory, saved.config, "x", {});
  });
  EXPECT_NE(err.find("run.overwrite"), std::string::npos) << err;
  // overwrite without optimizer state: readable, and refuses to continue training
  write_model_file(path, true, saved.flow, nullptr, saved.theory, saved.config, "x", {});
  const ModelFileContents m = read_model_file(path);
  EXPECT_EQ(m.params_hash, hash);
  EXPECT_FALSE(m.has_optimizer);
  Flow flow(Phi4(saved.geometry, -4.0, 8.0), flow_architecture(saved.config), 6);
  Adam adam(flow.parameters().size(), AdamOptions{});
  EXPECT_NO_THROW(restore_model(m, flow, nullptr));
  EXPECT_NE(input_error([&] { restore_model(m, flow, &adam); }).find("optimizer"), std::string::npos);
}

TEST(ModelFile, MismatchedRunNamesTheKey) {
  const std::string path = temp_path("mismatch");
  const SavedModel saved(path);
  const ModelFileContents m = read_model_file(path);
  const std::vector<std::pair<std::string, std::string>> changes = {
      {"lattice.shape", "8,8"},       {"lattice.shape", "4,4,4"}, {"theory.m2", "-4"},
      {"theory.lambda", "8"},         {"flow.layers", "4"},      {"flow.hidden", "4,4"},
      {"flow.kernel", "5"},           {"flow.equivariance", "none"},
      {"flow.activation", "leaky_relu"}, {"flow.final_tanh", "true"}};
  for (const auto& [key, value] : changes) {
    Config c = small_config();
    c.set(key, value);
    const std::string err = input_error([&] { check_model_matches(m, c, path); });
    EXPECT_EQ(err.rfind(key + ":", 0), 0u) << key << " = " << value << ": " << err;
    EXPECT_NE(err.find(path), std::string::npos) << err;
  }
  Config shape = small_config();
  shape.set("lattice.shape", "8,8");
  EXPECT_NE(input_error([&] { check_model_matches(m, shape, path); }).find("4,4, this run has 8,8"),
            std::string::npos);

  // a flow of another architecture cannot take the parameters
  Config other = small_config();
  other.set("flow.hidden", "4,4");
  Flow flow(Phi4(saved.geometry, -4.0, 8.0), flow_architecture(other), 6);
  EXPECT_NE(input_error([&] { restore_model(m, flow, nullptr); }).find(path), std::string::npos);
}

TEST(FlowConfig, KernelMustBeOddAndBetasBelowOne) {
  Config c;
  c.set("flow.kernel", "4");
  EXPECT_EQ(input_error([&] { flow_architecture(c); }).rfind("flow.kernel:", 0), 0u);
  c.set("flow.kernel", "5");
  EXPECT_EQ(flow_architecture(c).coupling.kernel, 5);
  c.set("train.beta2", "1");
  EXPECT_EQ(input_error([&] { adam_options(c); }).rfind("train.beta2:", 0), 0u);
  Config d;
  d.set("train.lr_schedule", "cosine");
  d.set("train.steps", "700");
  const AdamOptions o = adam_options(d);
  EXPECT_EQ(o.schedule, LrSchedule::Cosine);
  EXPECT_EQ(o.total_steps, 700);
  const FlowArchitecture a = flow_architecture(Config());
  EXPECT_EQ(a.n_layers, 16);
  EXPECT_EQ(a.coupling.hidden, (std::vector<int>{8, 8}));
  EXPECT_EQ(a.coupling.final_activation, Activation::Tanh);
  EXPECT_EQ(a.coupling.hidden_activation, Activation::LeakyReLU);
}
