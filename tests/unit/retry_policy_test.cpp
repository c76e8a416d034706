#include "core/retry_policy.hpp"

#include <gtest/gtest.h>

namespace postwork::core {

TEST(RetryPolicy, FollowsTheSeedsTable) {
  RetryPolicy p;
  const int64_t expected[] = {2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000};
  for (int attempt = 1; attempt <= 9; ++attempt) {
    EXPECT_EQ(p.DelayMs(attempt), expected[attempt - 1]) << "attempt " << attempt;
  }
}

TEST(RetryPolicy, CapsAtFiveMinutesForHugeAttempts) {
  RetryPolicy p;
  EXPECT_EQ(p.DelayMs(50), 300000);
  EXPECT_EQ(p.DelayMs(1000000), 300000);
}

TEST(RetryPolicy, JitterStaysWithinBounds) {
  RetryPolicy p{.jitter = 0.1};
  std::mt19937_64 rng(42);
  for (int i = 0; i < 1000; ++i) {
    int64_t d = p.DelayMs(3, &rng);
    EXPECT_GE(d, 7200);
    EXPECT_LE(d, 8800);
  }
}

}  // namespace postwork::core
