#pragma once
#include <cstdint>
#include <random>

namespace postwork::core {

// The seed's calculateBackoffDelay: min(2^attempt x 1 s, 300 s).
struct RetryPolicy {
  int64_t base_ms = 1000;
  int64_t max_ms = 300000;
  double jitter = 0.0;  // 0.1 = up to +-10%; off by default, as the seed

  int64_t DelayMs(int attempt, std::mt19937_64* rng = nullptr) const;
};

}  // namespace postwork::core
