#include "handlers/email_sending/delivery_claim.hpp"

#include "postwork/error.hpp"

namespace postwork::handlers::email {
namespace {
constexpr const char* kFind = R"SQL(
SELECT id, status, coalesce(job_id, ''), coalesce(message_id, ''), coalesce(last_error, ''),
       coalesce(provider_response, '')
FROM email_deliveries WHERE tenant_id = $1 AND campaign_id = $2 AND lead_id = $3 AND step = $4)SQL";

constexpr const char* kRecordSkip = R"SQL(
INSERT INTO email_deliveries (tenant_id, campaign_id, lead_id, step, email_account_id, template_id,
                              recipient_email, status, skip_reason)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (campaign_id, lead_id, step) DO UPDATE
  SET status = EXCLUDED.status, skip_reason = EXCLUDED.skip_reason, updated_at = now()
  WHERE email_deliveries.status = 'deferred'
RETURNING id)SQL";

constexpr const char* kLockAccount = R"SQL(
SELECT status, daily_limit, min_gap_seconds, time_zone,
       (extract(epoch FROM last_send_at) * 1000)::bigint
FROM email_accounts WHERE tenant_id = $1 AND id = $2 FOR UPDATE)SQL";

// Every SMTP transaction claimed since local midnight counts, whatever came of it.
constexpr const char* kSentToday = R"SQL(
SELECT count(*) FROM email_deliveries
WHERE email_account_id = $1 AND claimed_at >= to_timestamp($2::bigint::float8 / 1000)
  AND status IN ('sending', 'sent', 'unknown', 'bounced', 'failed'))SQL";

constexpr const char* kClaim = R"SQL(
INSERT INTO email_deliveries (tenant_id, campaign_id, lead_id, step, email_account_id, template_id,
                              recipient_email, job_id, message_id, status, claimed_at, smtp_attempts)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'sending', to_timestamp($10::bigint::float8 / 1000), 1)
ON CONFLICT (campaign_id, lead_id, step) DO UPDATE
  SET status = 'sending', job_id = EXCLUDED.job_id, message_id = EXCLUDED.message_id,
      email_account_id = EXCLUDED.email_account_id, template_id = EXCLUDED.template_id,
      recipient_email = EXCLUDED.recipient_email, claimed_at = EXCLUDED.claimed_at,
      smtp_attempts = email_deliveries.smtp_attempts + 1, last_error = NULL, updated_at = now()
  WHERE email_deliveries.status = 'deferred'
RETURNING id)SQL";

constexpr const char* kTouchAccount = R"SQL(
UPDATE email_accounts SET last_send_at = to_timestamp($3::bigint::float8 / 1000)
WHERE tenant_id = $1 AND id = $2)SQL";

// RETURNING sees the new row; the old status comes from the locked snapshot.
constexpr const char* kMarkSent = R"SQL(
WITH old AS (SELECT status FROM email_deliveries WHERE id = $1 AND job_id = $2 FOR UPDATE)
UPDATE email_deliveries SET status = 'sent', sent_at = now(), provider_response = $3,
                            last_error = NULL, updated_at = now()
WHERE id = $1 AND job_id = $2 AND status IN ('sending', 'unknown')
RETURNING (SELECT status FROM old))SQL";

constexpr const char* kMarkDeferred = R"SQL(
UPDATE email_deliveries SET status = 'deferred', last_error = $3, updated_at = now()
WHERE id = $1 AND job_id = $2 AND status = 'sending')SQL";

constexpr const char* kMarkFailed = R"SQL(
UPDATE email_deliveries SET status = 'failed', last_error = $3, provider_response = $4,
                            updated_at = now()
WHERE id = $1 AND job_id = $2 AND status IN ('sending', 'deferred'))SQL";

constexpr const char* kMarkUnknown = R"SQL(
UPDATE email_deliveries SET status = 'unknown', updated_at = now(),
       last_error = 'a re-run found this send still in progress: the SMTP outcome was never recorded'
WHERE id = $1 AND job_id = $2 AND status = 'sending')SQL";

DeliveryRow RowAt(const pg::Result& r, int i) {
  return {.id = r.Get(i, 0),
          .status = r.Get(i, 1),
          .job_id = r.Get(i, 2),
          .message_id = r.Get(i, 3),
          .last_error = r.Get(i, 4),
          .provider_response = r.Get(i, 5)};
}

pg::Params RowParams(const SendContext& ctx) {
  return {ctx.request.tenant_id, ctx.campaign.id, ctx.lead.id,   std::to_string(ctx.request.step),
          ctx.account.id,        ctx.tmpl.id,     ctx.lead.email};
}

// Limits first, then the window: the order the product promises.
std::optional<GateResult> Gate(pg::Connection& conn, const SendContext& ctx, int64_t now_ms) {
  auto a = conn.Exec(kLockAccount, {ctx.request.tenant_id, ctx.account.id});
  if (a.rows() == 0)
    throw PermanentError("email account " + ctx.account.id + " not found for this tenant");
  std::string status = a.Get(0, 0);
  if (status == "disabled")
    throw PermanentError("email account " + ctx.account.id + " is disabled");
  if (status == "paused") {
    return GateResult{.allowed = false,
                      .run_at_ms = now_ms + 15 * 60 * 1000,
                      .reason = "email account is paused"};
  }
  auto account_zone = TimeZone::Load(a.Get(0, 3));
  int64_t day_start =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          StartOfLocalDay(*account_zone,
                          std::chrono::sys_seconds{std::chrono::seconds{now_ms / 1000}})
              .time_since_epoch())
          .count();
  AccountUsage usage{
      .daily_limit = static_cast<int>(a.GetInt(0, 1)),
      .min_gap_seconds = static_cast<int>(a.GetInt(0, 2)),
      .sent_today =
          conn.Exec(kSentToday, {ctx.account.id, std::to_string(day_start)}).GetInt(0, 0)};
  if (!a.IsNull(0, 4)) usage.last_send_ms = a.GetInt(0, 4);
  GateResult limits = CheckAccountLimits(usage, *account_zone, now_ms);
  if (!limits.allowed) return limits;

  auto campaign_zone = TimeZone::Load(ctx.campaign.time_zone);
  auto window = SendingWindow::FromIsoDays(ctx.campaign.send_days, ctx.campaign.start_hour,
                                           ctx.campaign.end_hour);
  auto open = CheckSendingWindow(window, *campaign_zone, now_ms);
  if (!open)
    throw PermanentError("campaign " + ctx.campaign.id + " has a sending window that never opens");
  if (!open->allowed) return open;
  return std::nullopt;
}
}  // namespace

std::optional<DeliveryRow> FindDelivery(pg::Connection& conn, const SendRequest& r) {
  auto rows = conn.Exec(kFind, {r.tenant_id, r.campaign_id, r.lead_id, std::to_string(r.step)});
  if (rows.rows() == 0) return std::nullopt;
  return RowAt(rows, 0);
}

void RecordSkip(pg::Connection& conn, const SendContext& ctx, const std::string& status,
                const std::string& reason, Metric metric) {
  pg::InTransaction(conn, [&] {
    pg::Params p = RowParams(ctx);
    p.push_back(status);
    p.push_back(reason);
    if (conn.Exec(kRecordSkip, p).rows() > 0) {
      BumpMetrics(conn, ctx.request.tenant_id, ctx.campaign.id, {{metric, 1}});
    }
  });
}

ClaimResult ClaimDelivery(pg::Connection& conn, const SendContext& ctx,
                          const std::string& message_id, const std::string& job_id,
                          int64_t now_ms) {
  conn.Exec("BEGIN");
  try {
    ClaimResult out;
    if (auto gate = Gate(conn, ctx, now_ms)) {
      conn.Exec("ROLLBACK");
      return {.kind = ClaimResult::Kind::kReschedule, .gate = *gate};
    }
    pg::Params p = RowParams(ctx);
    p.insert(p.end(), {job_id, message_id, std::to_string(now_ms)});
    auto claimed = conn.Exec(kClaim, p);
    if (claimed.rows() == 0) {
      conn.Exec("ROLLBACK");
      auto row = FindDelivery(conn, ctx.request);
      return {.kind = ClaimResult::Kind::kTaken, .row = row.value_or(DeliveryRow{})};
    }
    conn.Exec(kTouchAccount, {ctx.request.tenant_id, ctx.account.id, std::to_string(now_ms)});
    conn.Exec("COMMIT");
    return {.kind = ClaimResult::Kind::kClaimed,
            .row = {.id = claimed.Get(0, 0),
                    .status = "sending",
                    .job_id = job_id,
                    .message_id = message_id}};
  } catch (...) {
    try {
      conn.Exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

void MarkSent(pg::Connection& conn, const SendContext& ctx, const std::string& delivery_id,
              const std::string& job_id, const std::string& provider_response) {
  pg::InTransaction(conn, [&] {
    auto r = conn.Exec(kMarkSent, {delivery_id, job_id, provider_response});
    if (r.rows() == 0) return;
    int unknown = r.Get(0, 0) == "unknown" ? -1 : 0;
    BumpMetrics(conn, ctx.request.tenant_id, ctx.campaign.id,
                {{Metric::kSent, 1}, {Metric::kDelivered, 1}, {Metric::kUnknown, unknown}});
  });
}

void MarkDeferred(pg::Connection& conn, const std::string& delivery_id, const std::string& job_id,
                  const std::string& error) {
  conn.Exec(kMarkDeferred, {delivery_id, job_id, error});
}

void MarkFailed(pg::Connection& conn, const SendContext& ctx, const std::string& delivery_id,
                const std::string& job_id, const std::string& error,
                const std::string& provider_response) {
  pg::InTransaction(conn, [&] {
    if (conn.Exec(kMarkFailed, {delivery_id, job_id, error, provider_response}).affected() > 0) {
      BumpMetrics(conn, ctx.request.tenant_id, ctx.campaign.id, {{Metric::kFailed, 1}});
    }
  });
}

bool MarkUnknown(pg::Connection& conn, const std::string& tenant_id, const std::string& campaign_id,
                 const std::string& delivery_id, const std::string& job_id) {
  return pg::InTransaction(conn, [&] {
    if (conn.Exec(kMarkUnknown, {delivery_id, job_id}).affected() == 0) return false;
    BumpMetrics(conn, tenant_id, campaign_id, {{Metric::kUnknown, 1}});
    return true;
  });
}

}  // namespace postwork::handlers::email
