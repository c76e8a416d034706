#pragma once
// The warmup part of `postwork dev`'s demo: both demo mailboxes in the warmup
// pool (a small ramp, the whole day UTC) and today's plan run at once, its
// jobs squeezed into the next seconds so the demo shows sends, inbox checks,
// a spam rescue and replies while it runs. See docs/warmup.md, "In the demo".
#include <optional>
#include <string>
#include <vector>

#include "pg/connection.hpp"

namespace postwork::cli {

struct DemoWarmupSeed {
  std::string tenant_id;
  std::vector<std::string> account_ids;
  std::string redis_url, database_url;
  int spread_seconds = 20;  // today's jobs run within this many seconds
};

// Once per data folder: false when the accounts already had warmup configs
// (nothing is planned again).
bool SeedDemoWarmup(pg::Connection& conn, const DemoWarmupSeed& seed);

// "warmup: sent 16, received 12 (inbox 6, spam 6, rescued 6), replies 5", or
// nothing before the tenant has warmup configs.
std::optional<std::string> DemoWarmupProgress(pg::Connection& conn, const std::string& tenant_id);

}  // namespace postwork::cli
