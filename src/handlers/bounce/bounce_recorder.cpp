#include "handlers/bounce/bounce_recorder.hpp"

#include "handlers/email_common/campaign_metrics.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers::email {
namespace {
constexpr const char* kFindDelivery = R"SQL(
SELECT id, campaign_id, lead_id, lower(recipient_email), status, coalesce(bounce_type, '')
FROM email_deliveries WHERE tenant_id = $1 AND message_id = $2 FOR UPDATE)SQL";

// Serializes bounces for one address so two concurrent soft bounces cannot
// both miss the threshold.
constexpr const char* kLockAddress =
    "SELECT pg_advisory_xact_lock(hashtextextended('bounce:' || $1 || ':' || $2, 0))";

constexpr const char* kRecentSoftBounces = R"SQL(
SELECT count(*) FROM email_deliveries
WHERE tenant_id = $1 AND lower(recipient_email) = $2 AND bounce_type = 'soft' AND id <> $3
  AND bounced_at > now() - make_interval(days => $4::int))SQL";

constexpr const char* kMarkBounced = R"SQL(
UPDATE email_deliveries
SET status = 'bounced', bounced_at = now(), bounce_type = $2, bounce_reason = $3, updated_at = now()
WHERE id = $1)SQL";

constexpr const char* kSuppress = R"SQL(
INSERT INTO suppressions (tenant_id, email, reason, detail) VALUES ($1, $2, 'hard_bounce', $3)
ON CONFLICT (tenant_id, email) DO NOTHING)SQL";

constexpr const char* kLeadBounced = R"SQL(
UPDATE leads SET status = 'bounced', updated_at = now()
WHERE tenant_id = $1 AND id = $2 AND status IN ('active', 'replied'))SQL";
}  // namespace

const char* BounceTypeName(BounceType t) { return t == BounceType::kHard ? "hard" : "soft"; }

BounceResult RecordBounce(pg::Connection& conn, const BounceInput& in,
                          const EmailSettings& settings) {
  return pg::InTransaction(conn, [&] {
    auto d = conn.Exec(kFindDelivery, {in.tenant_id, in.message_id});
    if (d.rows() == 0) {
      throw PermanentError("Delivery record not found for message: " + in.message_id);
    }
    BounceResult r{.delivery_id = d.Get(0, 0), .campaign_id = d.Get(0, 1), .lead_id = d.Get(0, 2)};
    std::string address = d.Get(0, 3), status = d.Get(0, 4), previous_type = d.Get(0, 5);
    r.recipient = address;
    conn.Exec(kLockAddress, {in.tenant_id, address});

    r.applied = in.type;
    std::string reason = in.reason;
    if (in.type == BounceType::kSoft) {
      int64_t earlier =
          conn.Exec(kRecentSoftBounces, {in.tenant_id, address, r.delivery_id,
                                         std::to_string(settings.soft_bounce_window_days)})
              .GetInt(0, 0);
      if (earlier + 1 >= settings.soft_bounce_threshold) {
        r.applied = BounceType::kHard;
        r.escalated = true;
        reason = "soft bounce " + std::to_string(earlier + 1) + " within " +
                 std::to_string(settings.soft_bounce_window_days) +
                 " days, treated as hard: " + in.reason;
      }
    }
    bool already = status == "bounced" &&
                   (previous_type == "hard" || previous_type == BounceTypeName(r.applied));
    if (already) {
      r.recorded_type = previous_type;
      return r;
    }
    r.changed = true;
    r.recorded_type = BounceTypeName(r.applied);
    conn.Exec(kMarkBounced, {r.delivery_id, BounceTypeName(r.applied), reason});
    bool first_bounce = status != "bounced";
    int delivered = first_bounce && status == "sent" ? -1 : 0;
    if (r.applied == BounceType::kHard) {
      BumpMetrics(conn, in.tenant_id, r.campaign_id,
                  {{Metric::kHardBounces, 1}, {Metric::kDelivered, delivered}});
      conn.Exec(kSuppress, {in.tenant_id, address, reason});
      conn.Exec(kLeadBounced, {in.tenant_id, r.lead_id});
    } else {
      BumpMetrics(conn, in.tenant_id, r.campaign_id,
                  {{Metric::kSoftBounces, 1}, {Metric::kDelivered, delivered}});
    }
    return r;
  });
}

}  // namespace postwork::handlers::email
