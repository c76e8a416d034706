#include "core/autoscaler.hpp"

#include <algorithm>

#include "postwork/error.hpp"

namespace postwork::core {

void ScalingPolicy::Validate() const {
  if (min < 0 || max < 1 || min > max) throw ConfigError("scaling: need 0 <= --min <= --max, --max >= 1");
  if (low_water < 0 || high_water <= low_water) {
    throw ConfigError("scaling: the high water mark must be above the low water mark");
  }
  if (cooldown_ms < 0) throw ConfigError("scaling: the cool-down cannot be negative");
  if (step < 1) throw ConfigError("scaling: the step must be at least 1");
}

int DesiredCount(const ScalingPolicy& policy, const ScalingSample& s) {
  int current = std::clamp(s.current, policy.min, policy.max);
  if (current != s.current) return current;
  bool backed_up = s.depth > policy.high_water || s.oldest_age_s > policy.max_oldest_age_s;
  bool idle = s.depth < policy.low_water && s.oldest_age_s < policy.max_oldest_age_s / 2;
  if (backed_up) return std::min(current + policy.step, policy.max);
  if (idle) return std::max(current - policy.step, policy.min);
  return current;
}

int Autoscaler::Desired(const ScalingSample& s) {
  int current = std::clamp(s.current, policy_.min, policy_.max);
  if (current != s.current) {  // out of bounds: fix at once, no cool-down
    last_change_ms_ = s.now_ms;
    return current;
  }
  if (last_change_ms_ >= 0 && s.now_ms - last_change_ms_ < policy_.cooldown_ms) return current;
  int want = DesiredCount(policy_, s);
  if (want != current) last_change_ms_ = s.now_ms;
  return want;
}

}  // namespace postwork::core
