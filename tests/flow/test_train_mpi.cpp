// Data-parallel training: the parameters stay identical on every rank, and
// the training curve of N ranks equals the one-rank curve to round-off.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "flow_test_support.hpp"
#include "flowlat/flow/forward_kl_trainer.hpp"
#include "flowlat/flow/reverse_kl_trainer.hpp"
#include "flowlat/theory/phi4/phi4.hpp"
#include "flowlat/theory/u1/u1.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

enum class Loss { ReverseKl, ForwardKl };

std::unique_ptr<FlowTrainer> make_trainer(Loss loss, const MpiContext& mpi, Flow& flow,
                                          const Theory& theory, index_t batch,
                                          const AdamOptions& adam) {
  if (loss == Loss::ReverseKl)
    return std::make_unique<ReverseKlTrainer>(mpi, flow, theory, batch, adam, 5);
  // the same "ensemble" on every rank
  const Field data = random_field(23, theory.dof(), 41, 1.3);
  return std::make_unique<ForwardKlTrainer>(mpi, flow, theory, data, batch, adam, 5);
}

}  // namespace

struct TrainCase {
  Loss loss;
  bool gauge;  // U(1) with the gauge-equivariant flow, else phi4 with affine couplings
};

class TrainMpiLosses : public ::testing::TestWithParam<TrainCase> {};

TEST_P(TrainMpiLosses, SameCurveAsOneRankAndIdenticalParameters) {
  const Geometry g({4, 4});
  std::unique_ptr<Theory> theory_ptr;
  FlowArchitecture architecture = tiny_architecture();
  if (GetParam().gauge) {
    theory_ptr = std::make_unique<U1>(g, 2.0);
    architecture.coupling_type = "ncp";
    architecture.coupling.final_activation = Activation::Identity;
  } else {
    theory_ptr = std::make_unique<Phi4>(g, -4.0, 8.0);
  }
  const Theory& theory = *theory_ptr;
  const index_t batch = 7;  // not a multiple of the rank count
  AdamOptions adam;
  adam.lr = 5e-3;

  Flow parallel_flow(theory, architecture, batch), serial_flow(theory, architecture, batch);
  parallel_flow.initialize(17);
  serial_flow.initialize(17);
  const MpiContext world(MPI_COMM_WORLD), self(MPI_COMM_SELF);
  const auto parallel = make_trainer(GetParam().loss, world, parallel_flow, theory, batch, adam);
  const auto serial = make_trainer(GetParam().loss, self, serial_flow, theory, batch, adam);
  for (int t = 0; t < 15; ++t) {
    const auto a = parallel->step(), b = serial->step();
    EXPECT_NEAR(a.loss, b.loss, 1e-10 * std::abs(b.loss)) << "step " << t;
    EXPECT_NEAR(a.ess_per_sample, b.ess_per_sample, 1e-10) << "step " << t;
  }
  const auto p = Kokkos::create_mirror_view_and_copy(HostSpace(), parallel_flow.parameters().values());
  const auto s = Kokkos::create_mirror_view_and_copy(HostSpace(), serial_flow.parameters().values());
  const int P = int(p.extent(0));
  double worst = 0;
  for (int i = 0; i < P; ++i) worst = std::max(worst, std::abs(p(i) - s(i)));
  EXPECT_LT(worst, 1e-10);
  // bit-identical across ranks
  std::vector<double> lo(P), hi(P);
  MPI_Allreduce(p.data(), lo.data(), P, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(p.data(), hi.data(), P, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  for (int i = 0; i < P; ++i) ASSERT_EQ(lo[i], hi[i]) << "parameter " << i << " differs across ranks";
}

INSTANTIATE_TEST_SUITE_P(Losses, TrainMpiLosses,
                         ::testing::Values(TrainCase{Loss::ReverseKl, false},
                                           TrainCase{Loss::ForwardKl, false},
                                           TrainCase{Loss::ReverseKl, true},
                                           TrainCase{Loss::ForwardKl, true}));

// Forward KL without the figures (no flow batch): the same parameters, bit
// for bit, and NaN figures.
TEST(TrainMpi, ForwardKlFiguresOnlyWhenAsked) {
  const Geometry g({4, 4});
  const Phi4 theory(g, -4.0, 8.0);
  const index_t batch = 7;
  Flow with(Phi4(g, -4.0, 8.0), tiny_architecture(), batch), without(Phi4(g, -4.0, 8.0), tiny_architecture(), batch);
  with.initialize(17);
  without.initialize(17);
  const MpiContext world(MPI_COMM_WORLD);
  const auto a = make_trainer(Loss::ForwardKl, world, with, theory, batch, AdamOptions{});
  const auto b = make_trainer(Loss::ForwardKl, world, without, theory, batch, AdamOptions{});
  for (int t = 0; t < 5; ++t) {
    const auto ra = a->step(true), rb = b->step(false);
    EXPECT_EQ(ra.loss, rb.loss) << "step " << t;
    EXPECT_TRUE(std::isfinite(ra.ess_per_sample));
    EXPECT_TRUE(std::isnan(rb.ess_per_sample));
    EXPECT_TRUE(std::isnan(rb.acceptance));
    EXPECT_TRUE(b->last_log_weights().empty());
  }
  const auto p = Kokkos::create_mirror_view_and_copy(HostSpace(), with.parameters().values());
  const auto q = Kokkos::create_mirror_view_and_copy(HostSpace(), without.parameters().values());
  for (std::size_t i = 0; i < p.extent(0); ++i) ASSERT_EQ(p(i), q(i)) << "parameter " << i;
}

// Training does its job: the loss falls and ESS rises on a small lattice.
TEST(TrainMpi, ReverseKlImprovesTheModel) {
  const Geometry g({4, 4});
  const Phi4 theory(g, -1.0, 1.0);
  Flow flow(Phi4(g, -4.0, 8.0), tiny_architecture(), 32);
  flow.initialize(3);
  AdamOptions adam;
  adam.lr = 5e-3;
  ReverseKlTrainer trainer(MpiContext(MPI_COMM_WORLD), flow, theory, 32, adam, 9);
  double first_loss = 0, last_loss = 0, first_ess = 0, last_ess = 0;
  const int steps = 300, window = 30;
  for (int t = 0; t < steps; ++t) {
    const auto r = trainer.step();
    if (t < window) first_loss += r.loss / window, first_ess += r.ess_per_sample / window;
    if (t >= steps - window) last_loss += r.loss / window, last_ess += r.ess_per_sample / window;
  }
  std::printf("  loss %.3f -> %.3f, ESS/N %.3f -> %.3f\n", first_loss, last_loss, first_ess, last_ess);
  EXPECT_LT(last_loss, first_loss - 1.0);
  EXPECT_GT(last_ess, first_ess + 0.1);
}
