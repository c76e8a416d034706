#pragma once
// The seed's monitorScaling: per queue set, a high and a low water mark between
// a minimum and a maximum, with a cool-down so it doesn't flap, and the age of
// the oldest ready job as a second signal. Pure logic: the caller measures.
#include <cstdint>

namespace postwork::core {

struct ScalingPolicy {
  int min = 1;
  int max = 4;
  int64_t high_water = 1000;       // ready jobs above this: scale up
  int64_t low_water = 10;          // below this (and young jobs): scale down
  double max_oldest_age_s = 60.0;  // the oldest ready job older than this: scale up
  int64_t cooldown_ms = 30000;     // between two changes
  int step = 1;                    // replicas (or slots) added or retired per change

  void Validate() const;  // throws ConfigError
};

struct ScalingSample {
  int64_t depth = 0;           // ready jobs over the watched queues
  double oldest_age_s = 0.0;   // age of the oldest ready job
  int current = 0;             // replicas (or slots) running now
  int64_t now_ms = 0;
};

// The count the rules ask for right now, without the cool-down: for a fleet
// where each worker only publishes the figure (the platform's autoscaler,
// e.g. KEDA/HPA, applies its own stabilisation window).
int DesiredCount(const ScalingPolicy& policy, const ScalingSample& sample);

class Autoscaler {
 public:
  explicit Autoscaler(ScalingPolicy policy) : policy_(policy) {}
  // The replica count to run now; changes by one step at most per cool-down.
  int Desired(const ScalingSample& sample);
  const ScalingPolicy& policy() const { return policy_; }

 private:
  ScalingPolicy policy_;
  int64_t last_change_ms_ = -1;
};

}  // namespace postwork::core
