#pragma once
// Every Redis key postwork uses is built here (docs/architecture.md lists them).
#include <cstdint>
#include <string>
#include <string_view>

namespace postwork::redis::keys {

// Queue lists carry the seed's job JSON under the seed's own names
// ("queue:email-sending"); producers LPUSH, workers pop from the right.
inline constexpr std::string_view kScheduled = "pw:scheduled";  // zset id -> run_at ms
inline constexpr std::string_view kLeases =
    "pw:leases";  // zset "<lease_token>:<id>" -> lease deadline ms
inline constexpr std::string_view kDead = "pw:dead";  // zset id -> failed_at ms
// list: wake-up tokens of versions before the per-queue lists (Wake below);
// still waited on, so an older producer's push wakes a worker during an upgrade
inline constexpr std::string_view kWake = "pw:wake";
inline constexpr std::string_view kLeaseSeq = "pw:seq:lease";  // fencing token counter
inline constexpr std::string_view kMalformedSeq = "pw:seq:malformed";
inline constexpr std::string_view kWorkers = "pw:workers";     // zset worker id -> heartbeat ms
inline constexpr std::string_view kStatsPrefix = "pw:stats:";  // per-second / per-minute counters

inline std::string Job(std::string_view id) { return "job:" + std::string(id); }
// list: wake-up tokens for the workers of one queue (lua/lib/push_job.lua)
inline std::string Wake(std::string_view queue) { return "pw:wake:" + std::string(queue); }
// A scheduled or leased job's envelope (lua/lib/push_job.lua held_envelope); a
// job on a queue list has only its list entry.
inline std::string Envelope(std::string_view id) { return "pw:env:" + std::string(id); }
// How long a cancelled job's hash is kept: a day, as a finished job's with the
// default terminal_ttl_seconds (the cancel paths do not see a worker's setting).
inline constexpr int64_t kCancelledTtlSeconds = 86400;

inline std::string Worker(std::string_view id) { return "pw:worker:" + std::string(id); }
inline std::string Lock(std::string_view name) { return "pw:lock:" + std::string(name); }
inline std::string StatsSecond(int64_t epoch_s) {
  return std::string(kStatsPrefix) + "s:" + std::to_string(epoch_s);
}
inline std::string StatsMinute(int64_t epoch_min) {
  return std::string(kStatsPrefix) + "m:" + std::to_string(epoch_min);
}

}  // namespace postwork::redis::keys
