// Philox4x32-10 counter-based generator (Salmon et al., SC11) and the
// (seed, stream, step, index) addressing every sampler in flowlat draws through.
#pragma once
#include <Kokkos_Core.hpp>

#include <cstdint>

#include "flowlat/core/math.hpp"
#include "flowlat/core/vector_math.hpp"

namespace flowlat {

struct Philox4x32Block {
  std::uint32_t v[4];
};

// The bare Philox4x32-10 bijection: counter (4 words) and key (2 words) to 4 words.
KOKKOS_INLINE_FUNCTION Philox4x32Block philox4x32_10(Philox4x32Block ctr, std::uint32_t k0,
                                                     std::uint32_t k1) {
  constexpr std::uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t(kMul0) * ctr.v[0];
    const std::uint64_t p1 = std::uint64_t(kMul1) * ctr.v[2];
    const std::uint32_t hi0 = std::uint32_t(p0 >> 32), lo0 = std::uint32_t(p0);
    const std::uint32_t hi1 = std::uint32_t(p1 >> 32), lo1 = std::uint32_t(p1);
    ctr = Philox4x32Block{{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
  return ctr;
}

// What a draw is for: separate purposes never share counters.
enum class RandomPurpose : std::uint32_t {
  InitialField = 1,
  HmcMomentum = 2,
  HmcAccept = 3,
  HmcLength = 7,
  LocalProposal = 4,
  FlowPrior = 5,
  FlowAccept = 6,
  ParameterInit = 8,  // flow network weights; stream = layer id
  TrainingData = 9,   // forward-KL batches: which configuration; stream = batch slot
  HybridPrior = 10,   // flow proposals of hybrid chains; stream = chain
  HybridAccept = 11,
};

// A generator addressed by (seed, stream): key = seed, counter =
// (index, step, stream, purpose). stream is a chain or proposal id, step a
// trajectory/sweep/proposal number, index an element inside that step.
// Nothing is stored, so the numbers drawn never depend on how chains are
// spread over ranks or threads.
class CounterRng {
 public:
  CounterRng() = default;
  KOKKOS_INLINE_FUNCTION CounterRng(std::uint64_t seed, std::uint32_t stream)
      : k0_(std::uint32_t(seed)), k1_(std::uint32_t(seed >> 32)), stream_(stream) {}

  KOKKOS_INLINE_FUNCTION Philox4x32Block bits(RandomPurpose purpose, std::uint32_t step,
                                              std::uint32_t index) const {
    return philox4x32_10(Philox4x32Block{{index, step, stream_, std::uint32_t(purpose)}}, k0_,
                         k1_);
  }

  // Two uniforms in (0, 1), 53 random bits each; never exactly 0 (safe for log).
  KOKKOS_INLINE_FUNCTION void uniform2(RandomPurpose purpose, std::uint32_t step,
                                       std::uint32_t index, double& u0, double& u1) const {
    const Philox4x32Block b = bits(purpose, step, index);
    u0 = to_open_unit(b.v[0], b.v[1]);
    u1 = to_open_unit(b.v[2], b.v[3]);
  }

  // Two independent standard normals (Box-Muller on the two uniforms).
  KOKKOS_INLINE_FUNCTION void normal2(RandomPurpose purpose, std::uint32_t step,
                                      std::uint32_t index, double& n0, double& n1) const {
    double u0, u1;
    uniform2(purpose, step, index, u0, u1);
    box_muller(u0, u1, n0, n1);
  }

  // Normals first .. first + count - 1 of one (purpose, step) stream into
  // out[0 .. count), count <= kNormalBlock: element i is lane i % 2 of pair
  // i / 2, as normal_at, and the same values bit for bit. The Philox draws
  // go one pair at a time into local arrays, the Box-Muller arithmetic runs
  // over them as vector loops (libm's scalar log and sincos were all of an
  // HMC trajectory's momentum cost).
  static constexpr int kNormalBlock = 32;
  KOKKOS_INLINE_FUNCTION void normals(RandomPurpose purpose, std::uint32_t step,
                                      std::uint64_t first, int count, double* out) const {
    constexpr int kPairs = kNormalBlock / 2 + 1;
    double a[kPairs], b[kPairs];
    const std::uint64_t p0 = first / 2;
    const int pairs = int((first + std::uint64_t(count) + 1) / 2 - p0);
    for (int k = 0; k < pairs; ++k) uniform2(purpose, step, std::uint32_t(p0 + k), a[k], b[k]);
    for (int k = 0; k < pairs; ++k) box_muller(a[k], b[k], a[k], b[k]);
    const int skip = int(first % 2);  // out[0] is lane 1 of the first pair
    for (int i = 0; i < count; ++i) {
      const int e = i + skip;
      out[i] = (e % 2 == 0) ? a[e / 2] : b[e / 2];
    }
  }

  // Element i of a stream of normals within one step (two per Philox call).
  KOKKOS_INLINE_FUNCTION double normal_at(RandomPurpose purpose, std::uint32_t step,
                                          std::uint64_t i) const {
    double n0, n1;
    normal2(purpose, step, std::uint32_t(i / 2), n0, n1);
    return (i % 2 == 0) ? n0 : n1;
  }

  // Element i of a stream of uniforms in (0, 1) within one step.
  KOKKOS_INLINE_FUNCTION double uniform_at(RandomPurpose purpose, std::uint32_t step,
                                           std::uint64_t i) const {
    double u0, u1;
    uniform2(purpose, step, std::uint32_t(i / 2), u0, u1);
    return (i % 2 == 0) ? u0 : u1;
  }

 private:
  // (u0, u1) -> (r cos 2 pi u1, r sin 2 pi u1), r = sqrt(-2 ln u0); the
  // outputs may alias the inputs
 public:
  KOKKOS_INLINE_FUNCTION static void box_muller_test(double u0, double u1, double& n0, double& n1) { box_muller(u0, u1, n0, n1); }
 private:
  KOKKOS_INLINE_FUNCTION static void box_muller(double u0, double u1, double& n0, double& n1) {
    const double r = math::sqrt(-2.0 * vmath::log(u0));
    double s, c;
    vmath::sincos_2pi(u1, s, c);
    n0 = r * c;
    n1 = r * s;
  }

  KOKKOS_INLINE_FUNCTION static double to_open_unit(std::uint32_t a, std::uint32_t b) {
    const std::uint64_t bits53 = ((std::uint64_t(a) << 32) | b) >> 11;
    return (double(bits53) + 0.5) * (1.0 / 9007199254740992.0);  // 2^-53
  }

  std::uint32_t k0_ = 0, k1_ = 0, stream_ = 0;
};

}  // namespace flowlat
