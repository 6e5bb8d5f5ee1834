// Integers as "8,8": the spelling of integer-list keys (lattice.shape,
// flow.hidden) in inputs, files and messages.
#pragma once
#include <string>
#include <vector>

namespace flowlat {

template <class Integer>
std::string comma_list(const std::vector<Integer>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out;
}

}  // namespace flowlat
