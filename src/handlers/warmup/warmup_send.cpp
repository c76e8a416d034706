#include "handlers/warmup/warmup_send.hpp"

#include "handlers/email_common/smtp_pool.hpp"
#include "mail/mail_error.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers::warmup {
namespace {
constexpr const char* kFind = R"SQL(
SELECT id, status, job_id, message_id, coalesce(last_error, '') FROM warmup_sends
WHERE tenant_id = $1 AND email_account_id = $2 AND claim_key = $3)SQL";

// Claims a new row, or a 'deferred' one; returns nothing when another job
// holds or finished it.
constexpr const char* kClaim = R"SQL(
INSERT INTO warmup_sends (tenant_id, email_account_id, kind, claim_key, job_id, peer_account_id,
                          to_email, message_id, status)
VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, $8, 'sending')
ON CONFLICT (email_account_id, claim_key) DO UPDATE
SET job_id = EXCLUDED.job_id, message_id = EXCLUDED.message_id, status = 'sending',
    claimed_at = now(), last_error = NULL
WHERE warmup_sends.status = 'deferred'
RETURNING id)SQL";

constexpr const char* kMark = R"SQL(
UPDATE warmup_sends
SET status = $3, last_error = nullif($4, ''), provider_response = nullif($5, ''),
    sent_at = CASE WHEN $3 = 'sent' THEN now() ELSE sent_at END
WHERE id = $1 AND job_id = $2 AND status IN ('sending', 'unknown') RETURNING id)SQL";

struct SendRow {
  std::string id, status, job_id, message_id, last_error;
};

std::optional<SendRow> FindSend(pg::Connection& conn, const WarmupMail& m) {
  auto r = conn.Exec(kFind, {m.tenant_id, m.from->id, m.claim_key});
  if (r.rows() == 0) return std::nullopt;
  return SendRow{r.Get(0, 0), r.Get(0, 1), r.Get(0, 2), r.Get(0, 3), r.Get(0, 4)};
}

bool Mark(pg::Connection& conn, const SendRow& row, const std::string& status,
          const std::string& error = "", const std::string& response = "") {
  return conn.Exec(kMark, {row.id, row.job_id, status, error, response}).rows() > 0;
}

// The row exists and is not ours to claim: only the job that owns it reports
// its failure; any other job is a duplicate and sends nothing.
WarmupSendResult ForExisting(pg::Connection& conn, const SendRow& row, const std::string& job_id) {
  WarmupSendResult r{.duplicate = true, .status = row.status, .message_id = row.message_id};
  bool own = row.job_id == job_id;
  if (own && row.status == "sending") {
    Mark(conn, row, "unknown", "an earlier attempt stopped during the SMTP transaction");
    r.status = "unknown";
    r.stop = Outcome::Permanent("warmup send " + row.id +
                                " was in progress when an earlier attempt stopped; marked "
                                "'unknown' instead of sending it again");
  } else if (own && row.status == "unknown") {
    r.stop = Outcome::Permanent("warmup send " + row.id + " is 'unknown'; not re-sending");
  } else if (own && row.status == "failed") {
    r.stop = Outcome::Permanent(row.last_error);
  }
  return r;
}

WarmupSendResult OnSmtpError(const WarmupHandlerDeps& deps, JobContext& ctx, pg::Connection& conn,
                             const WarmupMail& m, const SendRow& row, const mail::SmtpError& e) {
  WarmupSendResult r{.status = "failed", .message_id = row.message_id};
  if (e.outcome_unknown()) {
    Mark(conn, row, "unknown", e.what());
    r.status = "unknown";
    r.stop = Outcome::Permanent(std::string(e.what()) +
                                "; the server may have accepted the warmup email, so it is "
                                "marked 'unknown' instead of being sent again");
    return r;
  }
  if (!e.retryable() || ctx.attempt >= ctx.max_attempts) {
    Mark(conn, row, "failed", e.what(), e.response());
    if (e.hard_bounce()) {
      PauseWarmupForBounce(conn,
                           {.tenant_id = m.tenant_id,
                            .account_id = m.from->id,
                            .message_id = row.message_id,
                            .bounce_type = "hard",
                            .reason = e.response(),
                            .recipient_email = m.message.to.address,
                            .job_id = ctx.job_id},
                           deps.on_paused);
    }
    r.stop = Outcome::Permanent(e.what());
    return r;
  }
  Mark(conn, row, "deferred", e.what(), e.response());
  r.status = "deferred";
  r.stop = Outcome::Retry(e.what());
  return r;
}
}  // namespace

WarmupSendResult SendWarmupMail(const WarmupHandlerDeps& deps, JobContext& ctx,
                                pg::Connection& conn, const WarmupMail& m) {
  if (auto row = FindSend(conn, m); row && row->status != "deferred") {
    return ForExisting(conn, *row, ctx.job_id);
  }
  mail::BuiltMessage built;
  try {
    built = mail::BuildMessage(m.message);
  } catch (const mail::MimeError& e) {
    throw PermanentError(std::string("cannot build the warmup email: ") + e.what());
  }
  mail::SmtpClient& client = email::SmtpClientFor(*m.from, deps.settings);
  auto claimed = conn.Exec(kClaim, {m.tenant_id, m.from->id, m.kind, m.claim_key, ctx.job_id,
                                    m.peer_account_id, m.message.to.address, built.message_id});
  if (claimed.rows() == 0) {
    auto row = FindSend(conn, m);
    if (!row) throw std::runtime_error("warmup send claim vanished; trying again");
    return ForExisting(conn, *row, ctx.job_id);
  }
  SendRow row{claimed.Get(0, 0), "sending", ctx.job_id, built.message_id, ""};
  mail::SmtpResult sent;
  try {
    sent = client.Send(m.from->email, {m.message.to.address}, built.bytes);
  } catch (const mail::SmtpError& e) {
    return OnSmtpError(deps, ctx, conn, m, row, e);
  }
  WarmupEvent event = m.on_sent;
  if (event.message_id.empty()) event.message_id = built.message_id;
  event.details["sent_message_id"] = built.message_id;
  pg::InTransaction(conn, [&] {
    if (Mark(conn, row, "sent", "", sent.response)) RecordEvent(conn, event);
  });
  return {
      .sent = true, .status = "sent", .message_id = built.message_id, .response = sent.response};
}

}  // namespace postwork::handlers::warmup
