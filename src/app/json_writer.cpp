// JSON text for `flowlat analyze --json`.
#include "json_writer.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>
#include <stdexcept>

namespace flowlat {

std::string JsonWriter::escape(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char code[8];
          std::snprintf(code, sizeof code, "\\u%04x", static_cast<unsigned>(c));
          out += code;
        } else {
          out += c;  // UTF-8 passes through unchanged
        }
    }
  }
  return out + "\"";
}

// A comma after the previous element, and a new indented line, unless the
// value follows its key.
void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (has_element_.empty()) return;
  if (has_element_.back()) out_ << ",";
  has_element_.back() = true;
  out_ << "\n" << std::string(2 * has_element_.size(), ' ');
}

void JsonWriter::close(char bracket) {
  if (has_element_.empty()) throw std::logic_error("JsonWriter: nothing to close");
  const bool had = has_element_.back();
  has_element_.pop_back();
  if (had) out_ << "\n" << std::string(2 * has_element_.size(), ' ');
  out_ << bracket;
}

void JsonWriter::begin_object() {
  before_value();
  out_ << "{";
  has_element_.push_back(false);
}

void JsonWriter::end_object() { close('}'); }

void JsonWriter::begin_array() {
  before_value();
  out_ << "[";
  has_element_.push_back(false);
}

void JsonWriter::end_array() { close(']'); }

void JsonWriter::key(const std::string& name) {
  before_value();
  out_ << escape(name) << ": ";
  after_key_ = true;
}

void JsonWriter::number(double v) {
  if (!std::isfinite(v)) {
    null();
    return;
  }
  before_value();
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", v);
  out_ << text;
}

void JsonWriter::integer(std::int64_t v) {
  before_value();
  out_ << v;
}

void JsonWriter::boolean(bool v) {
  before_value();
  out_ << (v ? "true" : "false");
}

void JsonWriter::string(const std::string& v) {
  before_value();
  out_ << escape(v);
}

void JsonWriter::null() {
  before_value();
  out_ << "null";
}

void JsonWriter::finish() {
  if (!has_element_.empty()) throw std::logic_error("JsonWriter: unclosed object or array");
  out_ << "\n";
}

}  // namespace flowlat
