// JsonWriter, the JSON of `analyze --json`: layout, commas, escaping, full
// precision, and NaN/inf as null (JSON has no such numbers).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "json_writer.hpp"

using flowlat::JsonWriter;

TEST(JsonWriter, NestedObjectsAndArraysWithCommas) {
  std::ostringstream out;
  JsonWriter j(out);
  j.begin_object();
  j.key("a");
  j.integer(-3);
  j.key("list");
  j.begin_array();
  j.boolean(true);
  j.null();
  j.begin_object();
  j.end_object();
  j.end_array();
  j.key("empty");
  j.begin_array();
  j.end_array();
  j.end_object();
  j.finish();
  EXPECT_EQ(out.str(),
            "{\n  \"a\": -3,\n  \"list\": [\n    true,\n    null,\n    {}\n  ],\n"
            "  \"empty\": []\n}\n");
}

TEST(JsonWriter, NumbersRoundTripAndNonFiniteIsNull) {
  const double values[] = {0.1, 1.0 / 3.0, -2.5e-300, 6.02214076e23};
  for (double v : values) {
    std::ostringstream out;
    JsonWriter j(out);
    j.number(v);
    EXPECT_EQ(std::strtod(out.str().c_str(), nullptr), v) << out.str();
  }
  for (double v : {std::nan(""), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    std::ostringstream out;
    JsonWriter j(out);
    j.number(v);
    EXPECT_EQ(out.str(), "null");
  }
}

TEST(JsonWriter, StringsAreEscaped) {
  EXPECT_EQ(JsonWriter::escape("a\"b\\c\nd\te\x01 ü"), "\"a\\\"b\\\\c\\nd\\te\\u0001 ü\"");
}

TEST(JsonWriter, UnclosedContainerIsAnError) {
  std::ostringstream out;
  JsonWriter j(out);
  j.begin_object();
  EXPECT_THROW(j.finish(), std::logic_error);
  EXPECT_THROW(JsonWriter(out).end_array(), std::logic_error);
}
