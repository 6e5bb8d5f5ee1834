// Validation of flow-MH for U(1) against the exact torus results (L = 8,
// beta = 2) with two committed models (tests/data/README.md): a trained one
// and an under-trained one whose chain sticks much more. An independence
// sampler is exact for any flow; the under-trained model checks that the
// accept/reject step, not the flow's quality, makes it so.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "flow_mh_samples.hpp"
#include "flowlat/io/model_file.hpp"
#include "flowlat/theory/u1/u1.hpp"
#include "u1_exact_point.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

void check_model(const char* label, const std::string& file, int n_blocks, double min_acceptance,
                 double max_acceptance) {
  const U1 theory(Geometry({kU1L, kU1L}), kU1Beta);
  const ModelFileContents m = read_model_file(std::string(FLOWLAT_SOURCE_DIR) + "/tests/data/" + file);
  const index_t block = 256;
  Flow flow(theory, m.architecture, block);
  restore_model(m, flow, nullptr);
  const auto s = flow_mh_samples(theory, flow, block, n_blocks, 2718);
  std::printf("  %s: acceptance %.3f over %lld proposals\n", label, s.acceptance(),
              (long long)s.offered);
  // the model is what the test says it is (the under-trained one sticks)
  EXPECT_GT(s.acceptance(), min_acceptance);
  EXPECT_LT(s.acceptance(), max_acceptance);
  expect_u1_exact_point(label, gamma_method({s.series.at("plaquette")}),
                        gamma_method({s.series.at("Q2")}));
}

}  // namespace

TEST(U1ExactPoint, FlowMhWithTheTrainedModel) {
  check_model("flow-MH", "u1_8x8_b2.model.h5", 120, 0.35, 1.0);
}

TEST(U1ExactPoint, FlowMhWithAnUnderTrainedModel) {
  check_model("flow-MH, under-trained", "u1_8x8_b2_early.model.h5", 320, 0.0, 0.3);
}

// flow.prior = plaquette with untrained couplings on top: the prior's density
// and the layers' Jacobians enter the accept/reject step together, and the
// chain is exact whatever the layers do.
TEST(U1ExactPoint, FlowMhWithThePlaquettePriorAndUntrainedLayers) {
  const U1 theory(Geometry({kU1L, kU1L}), kU1Beta);
  FlowArchitecture a;
  a.n_layers = 4;
  a.coupling_type = "ncp";
  a.coupling.hidden = {4, 4};
  a.coupling.components = 2;
  a.prior = "plaquette";
  const index_t block = 256;
  Flow flow(theory, a, block);
  EXPECT_EQ(flow.prior().name(), "plaquette");
  flow.initialize(31);
  // the couplings start as the identity with this prior: perturb every
  // parameter so that they do something
  auto p = Kokkos::create_mirror_view_and_copy(HostSpace(), flow.parameters().values());
  std::mt19937_64 gen(4);
  std::uniform_real_distribution<double> noise(-0.03, 0.03);
  for (index_t i = 0; i < index_t(p.extent(0)); ++i) p(i) += noise(gen);
  Kokkos::deep_copy(flow.parameters().values(), p);
  const auto s = flow_mh_samples(theory, flow, block, 320, 2719);
  std::printf("  plaquette prior: acceptance %.3f over %lld proposals\n", s.acceptance(),
              (long long)s.offered);
  expect_u1_exact_point("flow-MH, plaquette prior", gamma_method({s.series.at("plaquette")}),
                        gamma_method({s.series.at("Q2")}));
}
