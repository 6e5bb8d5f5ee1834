// Config: defaults, file + override precedence, typed validation naming the key.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>

#include "flowlat/core/config.hpp"
#include "flowlat/core/error.hpp"

using namespace flowlat;

namespace {
std::string write_ini(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}
std::string error_of(const std::string& path, const std::vector<std::string>& over = {}) {
  try {
    Config::load(path, over);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Config, DefaultsAreValidAndTyped) {
  const Config c;
  EXPECT_EQ(c.get_int_list("lattice.shape"), (std::vector<int>{8, 8}));
  EXPECT_EQ(c.get_string("theory.name"), "phi4");
  EXPECT_DOUBLE_EQ(c.get_real("theory.m2"), -4.0);
  EXPECT_FALSE(c.get_bool("run.overwrite"));
}

TEST(Config, FileThenOverrides) {
  const auto path = write_ini("cfg_ok.ini",
                              "[lattice]\nshape = 4, 6\n[hmc]\nsteps = 7\n# comment\n"
                              "[theory]\nm2 = 0.5\n");
  const Config c = Config::load(path, {"--hmc.steps=9", "--run.seed=42"});
  EXPECT_EQ(c.get_int_list("lattice.shape"), (std::vector<int>{4, 6}));
  EXPECT_EQ(c.get_int("hmc.steps"), 9);
  EXPECT_EQ(c.get_int("run.seed"), 42);
  EXPECT_DOUBLE_EQ(c.get_real("theory.m2"), 0.5);
  // the resolved text reads back to the same config
  const auto again = Config::load(write_ini("cfg_resolved.ini", c.resolved_text()), {});
  EXPECT_EQ(again.items(), c.items());
}

TEST(Config, ErrorsNameTheKey) {
  EXPECT_NE(error_of(write_ini("u.ini", "[hmc]\nstepz = 3\n")).find("hmc.stepz"), std::string::npos);
  EXPECT_NE(error_of(write_ini("n.ini", "[hmc]\nsteps = -3\n")).find("hmc.steps"), std::string::npos);
  EXPECT_NE(error_of(write_ini("t.ini", "[hmc]\nsteps = ten\n")).find("hmc.steps"), std::string::npos);
  EXPECT_NE(error_of(write_ini("l.ini", "[lattice]\nshape = 8,0\n")).find("lattice.shape"),
            std::string::npos);
  EXPECT_NE(error_of(write_ini("c.ini", "[hmc]\nintegrator = euler\n")).find("hmc.integrator"),
            std::string::npos);
  EXPECT_NE(error_of("", {"--hmc.nosuch=1"}).find("hmc.nosuch"), std::string::npos);
  EXPECT_NE(error_of("", {"--hmc.trajectory_length=0"}).find("hmc.trajectory_length"),
            std::string::npos);
  EXPECT_NE(error_of("/nonexistent/x.ini").find("/nonexistent/x.ini"), std::string::npos);
}

TEST(Config, EveryIntegerKeyHasAMaximum) {
  for (const auto& k : all_keys()) {
    if (k.kind == KeyKind::Int || k.kind == KeyKind::IntList) {
      EXPECT_LT(k.max, 1e300) << k.name;
    }
  }
}

TEST(Config, IntegersAreParsedWithOverflowChecks) {
  const std::string max64 = "18446744073709551615";
  // a wrapped 2^64 - 1 used to become -1 (or 0 after a cast) and run
  for (const char* key : {"hmc.steps", "hmc.save_every", "run.flush_every", "train.log_every",
                          "train.checkpoint_every", "hmc.chains", "sample.batch"}) {
    const std::string e = error_of("", {std::string("--") + key + "=" + max64});
    EXPECT_EQ(e.rfind(key, 0), 0u) << e;
    EXPECT_NE(e.find("out of range"), std::string::npos) << e;
  }
  EXPECT_NE(error_of("", {"--hmc.steps=99999999999999999999999"}).find("hmc.steps"),
            std::string::npos);
  EXPECT_NE(error_of("", {"--hmc.steps=1e3"}).find("expected an integer"), std::string::npos);
  EXPECT_NE(error_of("", {"--hmc.steps=0x10"}).find("expected an integer"), std::string::npos);
  EXPECT_NE(error_of("", {"--lattice.shape=4,4294967300"}).find("lattice.shape"),
            std::string::npos);
  EXPECT_NE(error_of("", {"--lattice.shape=4,"}).find("lattice.shape"), std::string::npos);
  EXPECT_NE(error_of("", {"--lattice.shape=4,,4"}).find("lattice.shape"), std::string::npos);
  // bounds are printed as integers
  EXPECT_NE(error_of("", {"--hmc.trajectories=4294967296"}).find("<= 4294967295"),
            std::string::npos);

  // only the seed has the unsigned 64-bit range, read back as its bit pattern
  const Config c = Config::load("", {"--run.seed=" + max64, "--hmc.steps=+7"});
  EXPECT_EQ(std::uint64_t(c.get_int("run.seed")), 18446744073709551615ULL);
  EXPECT_EQ(c.get_int("hmc.steps"), 7);
  EXPECT_NE(error_of("", {"--run.seed=18446744073709551616"}).find("run.seed"), std::string::npos);
  EXPECT_NE(error_of("", {"--run.seed=-1"}).find("run.seed"), std::string::npos);
  EXPECT_EQ(Config::load("", {"--run.seed=-0"}).get_int("run.seed"), 0);
}

TEST(Config, HashStartsACommentOnlyAfterABlank) {
  const auto path = write_ini("cfg_hash.ini",
                              "# header\n  # indented comment\n[run]\noutput = runs/a#b.h5  # note\n"
                              "[train]\ninit_model = x.h5\t# tab\n");
  const Config c = Config::load(path, {});
  EXPECT_EQ(c.get_string("run.output"), "runs/a#b.h5");
  EXPECT_EQ(c.get_string("train.init_model"), "x.h5");
  // "0.5# glued" is one value, and not a number: an error rather than a silent cut
  const auto bad = write_ini("cfg_hash_bad.ini", "[theory]\nm2 = 0.5#1\n");
  EXPECT_NE(error_of(bad).find("theory.m2"), std::string::npos);
}

TEST(Config, FileErrorsNameKeyAndLine) {
  EXPECT_NE(error_of(write_ini("dup.ini", "[hmc]\nsteps = 3\nsteps = 4\n")).find("hmc.steps: given more than once"),
            std::string::npos);
  EXPECT_NE(error_of(write_ini("line.ini", "[hmc]\n\nstepz = 3\n")).find("line 3"), std::string::npos);
  EXPECT_NE(error_of(write_ini("syntax.ini", "[hmc\n")).find(":1:"), std::string::npos);
  EXPECT_NE(error_of(write_ini("noeq.ini", "[hmc]\nsteps 3\n")).find(":2:"), std::string::npos);
  EXPECT_NE(error_of(testing::TempDir()).find("--config"), std::string::npos);
  // a key in the file and on the command line: the command line wins
  const auto both = write_ini("both.ini", "[hmc]\nsteps = 3\n");
  EXPECT_EQ(Config::load(both, {"--hmc.steps=5"}).get_int("hmc.steps"), 5);
}
