#pragma once
// campaign_metrics counters. Each change is one INSERT ... ON CONFLICT DO
// UPDATE SET col = col + n statement on the connection's shard row
// (campaign_metric_shards, summed by the campaign_metrics view), so concurrent
// jobs never lose an update and rarely wait for one another;
// callers run it in the same transaction as the state change it counts, so a
// re-run that finds the state already changed counts nothing.
#include <initializer_list>
#include <string>
#include <utility>

#include "pg/connection.hpp"

namespace postwork::handlers::email {

enum class Metric {
  kSent,
  kDelivered,
  kHardBounces,
  kSoftBounces,
  kReplies,
  kAutoReplies,
  kSuppressed,
  kSkipped,
  kFailed,
  kUnknown,
  kUnsubscribes
};

void BumpMetrics(pg::Connection& conn, const std::string& tenant_id, const std::string& campaign_id,
                 std::initializer_list<std::pair<Metric, int>> changes);

}  // namespace postwork::handlers::email
