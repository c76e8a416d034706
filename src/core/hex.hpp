#pragma once
#include <string>
#include <string_view>

namespace postwork::core {
// Lower-case hex of raw bytes (digests for script SHAs and migration checksums).
inline std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}
}  // namespace postwork::core
