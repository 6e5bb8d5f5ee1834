// The current execution-space instance: the threshold variable, scopes, and
// HMC chains that come out bit for bit the same on one thread and on the
// whole pool (with OpenMP and more than one thread the two really differ).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "flowlat/core/error.hpp"
#include "flowlat/core/exec_space.hpp"
#include "flowlat/mcmc/hmc.hpp"
#include "flowlat/theory/phi4/phi4.hpp"
#include "flowlat/theory/u1/u1.hpp"
#include "test_fields.hpp"

using namespace flowlat;
using namespace flowlat::testing_support;

namespace {

// Sets the threshold variable for the lifetime of the object.
class ThresholdVariable {
 public:
  explicit ThresholdVariable(const char* value) {
    if (const char* old = std::getenv(kThreadMinWorkVariable)) old_ = old, had_ = true;
    if (value)
      setenv(kThreadMinWorkVariable, value, 1);
    else
      unsetenv(kThreadMinWorkVariable);
  }
  ~ThresholdVariable() {
    if (had_)
      setenv(kThreadMinWorkVariable, old_.c_str(), 1);
    else
      unsetenv(kThreadMinWorkVariable);
  }

 private:
  std::string old_;
  bool had_ = false;
};

// `trajectories` HMC updates of n chains from a random start, with the
// threshold variable at `threshold`; the fields and the dH records.
std::pair<FieldHost, std::vector<double>> run_hmc(const Theory& theory, index_t n,
                                                  const char* threshold) {
  const ThresholdVariable variable(threshold);
  Field phi = random_field(n, theory.dof(), 5, 0.3);
  Hmc hmc(theory, MdIntegrator(IntegratorKind::Omelyan, 5, 1.0), 11, 3, n);
  std::vector<BatchScalar> reals{BatchScalar("dH", n)};
  std::vector<BatchFlags> flags{BatchFlags("acc", n)};
  std::vector<double> dH;
  for (std::uint32_t t = 0; t < 6; ++t) {
    hmc.update(phi, n, t, reals, flags);
    for (double v : to_host(reals[0])) dH.push_back(v);
  }
  return {to_host(phi), dH};
}

void expect_same_bits(const Theory& theory, index_t n) {
  const auto pool = run_hmc(theory, n, "0");             // always the whole pool
  const auto single = run_hmc(theory, n, "1000000000");  // always one thread
  ASSERT_EQ(pool.second.size(), single.second.size());
  for (std::size_t k = 0; k < pool.second.size(); ++k)
    EXPECT_EQ(pool.second[k], single.second[k]) << "dH record " << k;
  for (index_t b = 0; b < n; ++b)
    for (index_t x = 0; x < theory.dof(); ++x)
      ASSERT_EQ(pool.first(b, x), single.first(b, x)) << "chain " << b << ", element " << x;
}

}  // namespace

TEST(ExecSpace, ThresholdFromTheEnvironment) {
  {
    const ThresholdVariable unset(nullptr);
    EXPECT_EQ(thread_min_work(), kThreadMinWork);
  }
  {
    const ThresholdVariable empty("");
    EXPECT_EQ(thread_min_work(), kThreadMinWork);
  }
  {
    const ThresholdVariable zero("0");
    EXPECT_EQ(thread_min_work(), 0);
  }
  {
    const ThresholdVariable count("12345");
    EXPECT_EQ(thread_min_work(), 12345);
  }
  for (const char* bad : {"-1", "12x", "many", "99999999999999999999999"}) {
    const ThresholdVariable variable(bad);
    EXPECT_THROW(thread_min_work(), InputError) << bad;
  }
}

TEST(ExecSpace, ScopesNestAndRestore) {
  const auto single = make_single_thread_space();
  if (single) {
    EXPECT_EQ(single->concurrency(), 1);
  }
  const int pool = ExecSpace().concurrency();
  EXPECT_EQ(exec_space().concurrency(), pool);
  {
    const ExecSpaceScope outer(single ? &*single : nullptr);
    EXPECT_EQ(exec_space().concurrency(), single ? 1 : pool);
    {
      const ExecSpaceScope no_change(nullptr);
      EXPECT_EQ(exec_space().concurrency(), single ? 1 : pool);
    }
    EXPECT_EQ(exec_space().concurrency(), single ? 1 : pool);
  }
  EXPECT_EQ(exec_space().concurrency(), pool);
}

TEST(ExecSpace, SmallWorkBelowTheThreshold) {
  const ThresholdVariable variable("100");
  const SmallWorkSpace small;
  EXPECT_EQ(small.for_work(100), nullptr);
  EXPECT_EQ(small.for_work(1000), nullptr);
  if (make_single_thread_space()) {
    EXPECT_NE(small.for_work(99), nullptr);
  } else {
    EXPECT_EQ(small.for_work(99), nullptr);
  }
}

TEST(ExecSpace, HmcPhi4SameBitsOnOneThreadAndOnThePool) {
  const Geometry g({8, 6});
  expect_same_bits(Phi4(g, -4.0, 8.0), 5);
}

TEST(ExecSpace, HmcU1SameBitsOnOneThreadAndOnThePool) {
  const Geometry g({8, 8});
  expect_same_bits(U1(g, 2.0), 3);
}
