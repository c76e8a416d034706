#include "handlers/warmup/warmup_pause.hpp"

#include "handlers/warmup/warmup_events.hpp"

namespace postwork::handlers::warmup {
namespace {
constexpr const char* kFindSend = R"SQL(
SELECT email_account_id, coalesce(peer_account_id, ''), to_email FROM warmup_sends
WHERE tenant_id = $1 AND message_id = $2 LIMIT 1)SQL";

constexpr const char* kPause = R"SQL(
UPDATE warmup_configs SET paused_at = now(), paused_reason = $3, updated_at = now()
WHERE tenant_id = $1 AND email_account_id = $2 AND paused_at IS NULL RETURNING id)SQL";
}  // namespace

void PublishWarmupPaused(const WarmupPausedHook& hook, pg::Connection& conn,
                         const WarmupPaused& event) {
  if (hook) hook(conn, event);
}

std::optional<WarmupSendRef> FindWarmupSend(pg::Connection& conn, const std::string& tenant_id,
                                            const std::string& message_id) {
  auto r = conn.Exec(kFindSend, {tenant_id, message_id});
  if (r.rows() == 0) return std::nullopt;
  return WarmupSendRef{
      .account_id = r.Get(0, 0), .peer_account_id = r.Get(0, 1), .to_email = r.Get(0, 2)};
}

bool PauseWarmupForBounce(pg::Connection& conn, const WarmupBounce& b,
                          const WarmupPausedHook& hook) {
  std::string reason = b.bounce_type + " bounce of warmup email <" + b.message_id + "> to " +
                       b.recipient_email + (b.reason.empty() ? "" : ": " + b.reason);
  return pg::InTransaction(conn, [&] {
    RecordEvent(conn, {.tenant_id = b.tenant_id,
                       .account_id = b.account_id,
                       .type = "bounced",
                       .message_id = b.message_id,
                       .job_id = b.job_id,
                       .details = {{"bounce_type", b.bounce_type},
                                   {"reason", b.reason},
                                   {"recipient", b.recipient_email}}});
    if (conn.Exec(kPause, {b.tenant_id, b.account_id, reason}).rows() == 0) return false;
    RecordEvent(conn, {.tenant_id = b.tenant_id,
                       .account_id = b.account_id,
                       .type = "paused",
                       .message_id = b.message_id,
                       .job_id = b.job_id,
                       .details = {{"reason", reason}}});
    PublishWarmupPaused(hook, conn,
                        {.tenant_id = b.tenant_id,
                         .account_id = b.account_id,
                         .reason = reason,
                         .message_id = b.message_id,
                         .job_id = b.job_id});
    return true;
  });
}

}  // namespace postwork::handlers::warmup
