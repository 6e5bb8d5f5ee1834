// Philox4x32-10 against the Random123 known-answer vectors, and the
// statistics of the uniform/normal draws built on it.
#include <gtest/gtest.h>

#include <cmath>

#include "flowlat/core/philox.hpp"
#include "flowlat/core/types.hpp"

using namespace flowlat;

namespace {
// Runs the bijection inside a Kokkos kernel, so the device path is what is checked.
Philox4x32Block run_on_device(Philox4x32Block ctr, std::uint32_t k0, std::uint32_t k1) {
  Kokkos::View<std::uint32_t[4], MemSpace> out("out");
  Kokkos::parallel_for(
      "kat", Kokkos::RangePolicy<ExecSpace>(0, 1), KOKKOS_LAMBDA(int) {
        const auto r = philox4x32_10(ctr, k0, k1);
        for (int i = 0; i < 4; ++i) out(i) = r.v[i];
      });
  auto h = Kokkos::create_mirror_view_and_copy(HostSpace(), out);
  return Philox4x32Block{{h(0), h(1), h(2), h(3)}};
}
}  // namespace

// Random123 kat_vectors, lines "philox4x32 10 <ctr x4> <key x2> <expected x4>".
TEST(Philox, KnownAnswerVectors) {
  struct Kat {
    Philox4x32Block ctr;
    std::uint32_t key[2];
    std::uint32_t expected[4];
  };
  const Kat kats[] = {
      {{{0, 0, 0, 0}}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const auto& k : kats) {
    const auto host = philox4x32_10(k.ctr, k.key[0], k.key[1]);
    const auto dev = run_on_device(k.ctr, k.key[0], k.key[1]);
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(host.v[i], k.expected[i]) << "word " << i;
      EXPECT_EQ(dev.v[i], k.expected[i]) << "word " << i;
    }
  }
}

TEST(Philox, AddressesAreIndependent) {
  const CounterRng a(7, 0), b(7, 1), c(8, 0);
  const auto x = a.bits(RandomPurpose::HmcMomentum, 3, 5);
  EXPECT_NE(x.v[0], b.bits(RandomPurpose::HmcMomentum, 3, 5).v[0]);
  EXPECT_NE(x.v[0], c.bits(RandomPurpose::HmcMomentum, 3, 5).v[0]);
  EXPECT_NE(x.v[0], a.bits(RandomPurpose::HmcAccept, 3, 5).v[0]);
  EXPECT_NE(x.v[0], a.bits(RandomPurpose::HmcMomentum, 4, 5).v[0]);
  EXPECT_NE(x.v[0], a.bits(RandomPurpose::HmcMomentum, 3, 6).v[0]);
  // and reproducible
  EXPECT_EQ(x.v[3], a.bits(RandomPurpose::HmcMomentum, 3, 5).v[3]);
}

namespace {
// Sums of u, u^2, g, g^2, g^4 and g0 g1 over n/2 pairs of uniform and normal
// draws, in one kernel. A free function: nvcc rejects a KOKKOS_LAMBDA in a
// TEST body (a private member function of the generated class).
Kokkos::View<double*, HostSpace> draw_moment_sums(const CounterRng& rng, int n) {
  Kokkos::View<double*, MemSpace> sums("sums", 6);
  Kokkos::parallel_for(
      "draw", Kokkos::RangePolicy<ExecSpace>(0, 1), KOKKOS_LAMBDA(int) {
        double s[6] = {0, 0, 0, 0, 0, 0};
        for (int i = 0; i < n / 2; ++i) {
          double u0, u1, g0, g1;
          rng.uniform2(RandomPurpose::LocalProposal, 0, std::uint32_t(i), u0, u1);
          rng.normal2(RandomPurpose::HmcMomentum, 0, std::uint32_t(i), g0, g1);
          s[0] += u0 + u1;
          s[1] += u0 * u0 + u1 * u1;
          s[2] += g0 + g1;
          s[3] += g0 * g0 + g1 * g1;
          s[4] += g0 * g0 * g0 * g0 + g1 * g1 * g1 * g1;
          s[5] += g0 * g1;
        }
        for (int k = 0; k < 6; ++k) sums(k) = s[k];
      });
  return Kokkos::create_mirror_view_and_copy(HostSpace(), sums);
}
}  // namespace

// Moments of 2^20 draws: a wrong Box-Muller factor or a biased uniform
// shifts them by far more than the 5-sigma band used here.
TEST(Philox, UniformAndNormalMoments) {
  const int n = 1 << 20;
  const auto h = draw_moment_sums(CounterRng(12345, 9), n);
  const double N = n;
  EXPECT_NEAR(h(0) / N, 0.5, 5 * std::sqrt(1.0 / 12 / N));
  EXPECT_NEAR(h(1) / N, 1.0 / 3, 5 * std::sqrt(4.0 / 45 / N));
  EXPECT_NEAR(h(2) / N, 0.0, 5 / std::sqrt(N));
  EXPECT_NEAR(h(3) / N, 1.0, 5 * std::sqrt(2.0 / N));
  EXPECT_NEAR(h(4) / N, 3.0, 5 * std::sqrt(96.0 / N));
  EXPECT_NEAR(h(5) / (N / 2), 0.0, 5 / std::sqrt(N / 2));
}

namespace {
// normals(first, count) for every first in [0, 40) and count in [1, 32],
// against normal_at element by element, both in kernels.
int count_block_mismatches(const CounterRng& rng) {
  constexpr int kFirsts = 40, kBlock = CounterRng::kNormalBlock;
  Kokkos::View<int, MemSpace> bad("bad");
  Kokkos::parallel_for(
      "normal_blocks", Kokkos::RangePolicy<ExecSpace>(0, kFirsts * kBlock),
      KOKKOS_LAMBDA(int item) {
        const std::uint64_t first = std::uint64_t(item / kBlock);
        const int count = 1 + item % kBlock;
        double out[kBlock];
        rng.normals(RandomPurpose::FlowPrior, 3, first, count, out);
        for (int i = 0; i < count; ++i)
          if (out[i] != rng.normal_at(RandomPurpose::FlowPrior, 3, first + std::uint64_t(i)))
            Kokkos::atomic_add(&bad(), 1);
      });
  int h = 0;
  Kokkos::deep_copy(h, bad);
  return h;
}
}  // namespace

// The block draws (HMC momenta, the flow prior) are the single draws' values
// bit for bit, whatever the block's offset and length.
TEST(Philox, NormalBlocksEqualSingleDraws) { EXPECT_EQ(count_block_mismatches(CounterRng(77, 5)), 0); }
