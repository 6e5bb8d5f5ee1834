// Config: defaults, file + override precedence, typed validation naming the key.
#include <gtest/gtest.h>

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
