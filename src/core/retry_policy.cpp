#include "core/retry_policy.hpp"

#include <algorithm>

namespace postwork::core {

int64_t RetryPolicy::DelayMs(int attempt, std::mt19937_64* rng) const {
  attempt = std::clamp(attempt, 0, 40);  // 2^40 s is past any cap; avoids overflow
  int64_t delay = std::min<int64_t>(base_ms << attempt, max_ms);
  if (jitter > 0 && rng) {
    std::uniform_real_distribution<double> d(-jitter, jitter);
    delay = static_cast<int64_t>(static_cast<double>(delay) * (1.0 + d(*rng)));
  }
  return std::max<int64_t>(delay, 0);
}

}  // namespace postwork::core
