// A minimal streaming JSON writer (no dependency) for output that scripts
// read: numbers with full precision (%.17g, so a double round-trips), NaN
// and infinities as null (JSON has no such numbers), strings escaped,
// two-space indentation.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace flowlat {

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  // Inside an object: the name of the next value.
  void key(const std::string& name);
  void number(double v);
  void integer(std::int64_t v);
  void boolean(bool v);
  void string(const std::string& v);
  void null();
  // Ends the document with a newline; throws std::logic_error if an object
  // or array is still open.
  void finish();

  static std::string escape(const std::string& text);

 private:
  void before_value();
  void close(char bracket);

  std::ostream& out_;
  // per open container: whether it has an element yet
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

}  // namespace flowlat
