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
}

int Autoscaler::Desired(const ScalingSample& s) {
  int current = std::clamp(s.current, policy_.min, policy_.max);
  if (current != s.current) {  // out of bounds: fix at once, no cool-down
    last_change_ms_ = s.now_ms;
    return current;
  }
  if (last_change_ms_ >= 0 && s.now_ms - last_change_ms_ < policy_.cooldown_ms) return current;
  int want = current;
  bool backed_up = s.depth > policy_.high_water || s.oldest_age_s > policy_.max_oldest_age_s;
  bool idle = s.depth < policy_.low_water && s.oldest_age_s < policy_.max_oldest_age_s / 2;
  if (backed_up) want = std::min(current + 1, policy_.max);
  else if (idle) want = std::max(current - 1, policy_.min);
  if (want != current) last_change_ms_ = s.now_ms;
  return want;
}

}  // namespace postwork::core
