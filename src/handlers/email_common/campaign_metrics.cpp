#include "handlers/email_common/campaign_metrics.hpp"

namespace postwork::handlers::email {
namespace {
const char* Column(Metric m) {
  switch (m) {
    case Metric::kSent:
      return "sent";
    case Metric::kDelivered:
      return "delivered";
    case Metric::kHardBounces:
      return "hard_bounces";
    case Metric::kSoftBounces:
      return "soft_bounces";
    case Metric::kReplies:
      return "replies";
    case Metric::kAutoReplies:
      return "auto_replies";
    case Metric::kSuppressed:
      return "suppressed";
    case Metric::kSkipped:
      return "skipped";
    case Metric::kFailed:
      return "failed";
    case Metric::kUnknown:
      return "unknown";
    case Metric::kUnsubscribes:
      return "unsubscribes";
  }
  return "failed";
}
}  // namespace

void BumpMetrics(pg::Connection& conn, const std::string& tenant_id, const std::string& campaign_id,
                 std::initializer_list<std::pair<Metric, int>> changes) {
  if (changes.size() == 0) return;
  // Column names come from the enum above, never from input.
  std::string cols, vals, sets;
  for (const auto& [metric, n] : changes) {
    std::string c = Column(metric);
    std::string v = std::to_string(n);
    cols += ", " + c;
    vals += ", " + v;
    sets += c + " = campaign_metric_shards." + c + " + " + v + ", ";
  }
  // The shard of this connection (migration 0014): concurrent transactions on
  // other connections bump other rows, so a campaign's sends do not queue
  // behind one row lock; the campaign_metrics view adds the shards up.
  conn.Exec("INSERT INTO campaign_metric_shards (tenant_id, campaign_id, shard" + cols +
                ") VALUES ($1, $2, (pg_backend_pid() % 16)::smallint" + vals +
                ") ON CONFLICT (tenant_id, campaign_id, shard) DO UPDATE SET " + sets +
                "updated_at = now()",
            {tenant_id, campaign_id});
}

}  // namespace postwork::handlers::email
