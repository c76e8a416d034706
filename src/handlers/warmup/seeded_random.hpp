#pragma once
// Deterministic randomness for warmup: the same seed text gives the same
// numbers on every machine and every run (SHA-256 of the text seeds a
// splitmix64 stream), so a retried job writes the same email and a re-planned
// day picks the same moments.
#include <cstdint>
#include <string_view>
#include <vector>

namespace postwork::handlers::warmup {

class SeededRandom {
 public:
  explicit SeededRandom(std::string_view seed);

  uint64_t Next();
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n);
  // Uniform in [0, 1).
  double Unit();
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }

 private:
  uint64_t state_;
};

// A stable 64-bit digest of `text` (the first 8 bytes of its SHA-256).
uint64_t StableHash(std::string_view text);

}  // namespace postwork::handlers::warmup
