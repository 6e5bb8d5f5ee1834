// flow.precision: the same parameters in a float32 and a float64 flow give the
// same forward and inverse maps, log q and parameter gradients to float32
// accuracy, for the committed trained models (φ⁴ affine, U(1) NCP) and an
// amplified random U(1) spline flow. (The float64 gradients are checked
// against finite differences in test_flow and test_u1_flow; exactness of
// flow-MH with float32 networks in test_flow_metropolis.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "flow/flow_test_support.hpp"
#include "flowlat/core/math.hpp"
#include "flowlat/core/philox.hpp"
#include "flowlat/io/model_file.hpp"
#include "flowlat/theory/phi4/phi4.hpp"
#include "flowlat/theory/u1/u1.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

std::vector<double> host_vector(const Kokkos::View<double*, MemSpace>& v) {
  auto h = Kokkos::create_mirror_view_and_copy(HostSpace(), v);
  return std::vector<double>(h.data(), h.data() + h.extent(0));
}

std::vector<double> host_vector(const Field& f, index_t n) {
  auto h = Kokkos::create_mirror_view_and_copy(HostSpace(), f);
  return std::vector<double>(h.data(), h.data() + n * index_t(f.extent(1)));
}

// max |a - b| / max |b|, and whether a and b differ at all
struct Difference {
  double relative = 0;
  bool any = false;
};
Difference difference(const std::vector<double>& a, const std::vector<double>& b,
                      bool angles = false) {
  Difference d;
  double scale = 0, diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double e = angles ? std::remainder(a[i] - b[i], 2 * M_PI) : a[i] - b[i];
    diff = std::max(diff, std::abs(e));
    scale = std::max(scale, std::abs(b[i]));
    d.any = d.any || a[i] != b[i];
  }
  d.relative = diff / scale;
  return d;
}

struct Passes {
  std::vector<double> phi, log_q, z_back, log_q_back, grads, inverse_grads;
};

// Every pass of `flow` on prior draws: forward, the reverse-KL-like gradient
// of sum_b (w . phi_b + log q_b), inverse of the forward's output, and the
// forward-KL gradient of sum_b log q_b through the inverse.
Passes run_passes(const Theory& theory, const FlowArchitecture& architecture,
                  const std::vector<double>& params, index_t n) {
  Flow flow(theory, architecture, n);
  Kokkos::deep_copy(flow.parameters().values(),
                    Kokkos::View<const double*, HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(
                        params.data(), params.size()));
  const index_t dof = flow.dof();
  Field z("z", n, dof), phi("phi", n, dof), z_back("z_back", n, dof), scratch("g", n, dof);
  BatchScalar log_q("log_q", n), log_q_back("log_q_back", n), ones("ones", n);
  Kokkos::deep_copy(ones, 1.0);
  flow.prior().draw(z, n, 11, 0, RandomPurpose::FlowPrior, 0);
  Passes p;
  flow.forward(z, n, phi, log_q);
  p.phi = host_vector(phi, n);
  p.log_q = host_vector(log_q);
  // dL/dphi: a fixed smooth weight per degree of freedom
  Field grad_phi("grad_phi", n, dof);
  Kokkos::parallel_for(
      "test.grad_phi", Kokkos::RangePolicy<ExecSpace>(0, n * dof),
      KOKKOS_LAMBDA(index_t i) { grad_phi(i / dof, i % dof) = math::sin(0.37 * double(i % dof)); });
  flow.parameters().zero_grads();
  flow.backward(grad_phi, ones, n);
  p.grads = host_vector(flow.parameters().grads());
  flow.inverse(phi, n, z_back, log_q_back);
  p.z_back = host_vector(z_back, n);
  p.log_q_back = host_vector(log_q_back);
  flow.parameters().zero_grads();
  flow.inverse_backward(ones, n, scratch);
  p.inverse_grads = host_vector(flow.parameters().grads());
  return p;
}

// float32 against float64 on the same parameters. Tolerances: float32's
// epsilon is 6e-8; the networks' outputs carry a few ulps each, and the
// maps, log-determinants and gradients combine them over 8-16 layers.
// Measured (2026-12-02): fields and log q <= 4.3e-7, gradients <= 5.9e-6
// relative to their largest element; allowed 1e-5 and 1e-4. A wrong
// conversion or a kernel reading the wrong precision differs at O(1).
void expect_float32_agrees(const char* label, const Theory& theory, FlowArchitecture a,
                           const std::vector<double>& params, bool angles) {
  const index_t n = 16;
  a.coupling.precision = NetPrecision::Float64;
  const Passes f64 = run_passes(theory, a, params, n);
  a.coupling.precision = NetPrecision::Float32;
  const Passes f32 = run_passes(theory, a, params, n);
  const Difference phi = difference(f32.phi, f64.phi, angles),
                   log_q = difference(f32.log_q, f64.log_q),
                   z = difference(f32.z_back, f64.z_back, angles),
                   log_q_back = difference(f32.log_q_back, f64.log_q_back),
                   grads = difference(f32.grads, f64.grads),
                   inverse_grads = difference(f32.inverse_grads, f64.inverse_grads);
  std::printf("  %s: float32 vs float64, relative: phi %.1e, log q %.1e, inverse z %.1e, "
              "inverse log q %.1e, gradient %.1e, forward-KL gradient %.1e\n",
              label, phi.relative, log_q.relative, z.relative, log_q_back.relative,
              grads.relative, inverse_grads.relative);
  EXPECT_LT(phi.relative, 1e-5) << label;
  EXPECT_LT(log_q.relative, 1e-5) << label;
  EXPECT_LT(z.relative, 1e-5) << label;
  EXPECT_LT(log_q_back.relative, 1e-5) << label;
  EXPECT_LT(grads.relative, 1e-4) << label;
  EXPECT_LT(inverse_grads.relative, 1e-4) << label;
  // the float32 networks really ran (identical results would mean double)
  EXPECT_TRUE(phi.any && log_q.any && grads.any) << label;
}

ModelFileContents committed(const std::string& file) {
  return read_model_file(std::string(FLOWLAT_SOURCE_DIR) + "/tests/data/" + file);
}

}  // namespace

TEST(FlowPrecision, Phi4CommittedModelAgreesInFloat32) {
  const ModelFileContents m = committed("phi4_8x8_z2.model.h5");
  expect_float32_agrees("phi4 8x8 trained", Phi4(Geometry({8, 8}), -4.0, 8.0), m.architecture,
                        m.parameters, false);
}

TEST(FlowPrecision, U1CommittedModelAgreesInFloat32) {
  const ModelFileContents m = committed("u1_8x8_b2.model.h5");
  expect_float32_agrees("u1 8x8 trained (ncp)", U1(Geometry({8, 8}), 2.0), m.architecture,
                        m.parameters, true);
}

TEST(FlowPrecision, U1SplineFlowAgreesInFloat32) {
  FlowArchitecture a;
  a.n_layers = 8;
  a.coupling_type = "spline";
  a.coupling.hidden = {4, 4};
  a.coupling.components = 4;
  a.coupling.final_activation = Activation::Identity;
  const U1 theory(Geometry({8, 8}), 2.0);
  Flow flow(theory, a, 1);
  flow.initialize(5);
  std::vector<double> params = host_vector(flow.parameters().values());
  for (double& p : params) p *= 2;  // away from the identity map, as in test_u1_flow
  expect_float32_agrees("u1 8x8 spline, amplified", theory, a, params, true);
}
