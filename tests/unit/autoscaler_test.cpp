#include "core/autoscaler.hpp"

#include <gtest/gtest.h>

#include "postwork/error.hpp"

namespace postwork::core {

TEST(Autoscaler, ScalesUpOnDepthOrAgeAndDownWhenIdleWithCooldown) {
  Autoscaler a({.min = 1, .max = 3, .high_water = 100, .low_water = 5,
                .max_oldest_age_s = 30, .cooldown_ms = 1000});
  EXPECT_EQ(a.Desired({.depth = 500, .current = 1, .now_ms = 0}), 2);
  EXPECT_EQ(a.Desired({.depth = 500, .current = 2, .now_ms = 500}), 2);  // cooling down
  EXPECT_EQ(a.Desired({.depth = 500, .current = 2, .now_ms = 1000}), 3);
  EXPECT_EQ(a.Desired({.depth = 500, .current = 3, .now_ms = 5000}), 3);  // at max
  EXPECT_EQ(a.Desired({.depth = 50, .current = 3, .now_ms = 9000}), 3);   // between marks
  EXPECT_EQ(a.Desired({.depth = 0, .current = 3, .now_ms = 10000}), 2);
  EXPECT_EQ(a.Desired({.depth = 0, .current = 2, .now_ms = 12000}), 1);
  EXPECT_EQ(a.Desired({.depth = 0, .current = 1, .now_ms = 20000}), 1);  // at min
  // Old jobs alone scale up, even with a shallow queue.
  EXPECT_EQ(a.Desired({.depth = 10, .oldest_age_s = 45, .current = 1, .now_ms = 30000}), 2);
}

TEST(Autoscaler, OutOfBoundsIsFixedAtOnce) {
  Autoscaler a({.min = 2, .max = 4, .cooldown_ms = 60000});
  EXPECT_EQ(a.Desired({.current = 0, .now_ms = 0}), 2);
  EXPECT_EQ(a.Desired({.current = 9, .now_ms = 1}), 4);
}

TEST(Autoscaler, RejectsInconsistentPolicies) {
  EXPECT_THROW(ScalingPolicy({.min = 3, .max = 2}).Validate(), ConfigError);
  EXPECT_THROW(ScalingPolicy({.high_water = 5, .low_water = 10}).Validate(), ConfigError);
}

TEST(DesiredCountTest, StepsUpAndDownByTheStepWithoutCooldownAndStaysInBounds) {
  ScalingPolicy p{.min = 1, .max = 16, .high_water = 20, .low_water = 2, .step = 5};
  EXPECT_EQ(DesiredCount(p, {.depth = 100, .current = 1}), 6);
  EXPECT_EQ(DesiredCount(p, {.depth = 100, .current = 14}), 16);
  EXPECT_EQ(DesiredCount(p, {.depth = 0, .current = 4}), 1);
  EXPECT_EQ(DesiredCount(p, {.depth = 10, .current = 4}), 4);                 // between marks
  EXPECT_EQ(DesiredCount(p, {.depth = 0, .oldest_age_s = 120, .current = 4}), 9);  // old jobs
  EXPECT_EQ(DesiredCount(p, {.depth = 0, .current = 40}), 16);                // out of bounds
  EXPECT_THROW(ScalingPolicy({.step = 0}).Validate(), ConfigError);
}

}  // namespace postwork::core
