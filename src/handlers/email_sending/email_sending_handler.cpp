#include "handlers/email_sending/email_sending_handler.hpp"

#include "handlers/bounce/bounce_recorder.hpp"
#include "handlers/email_common/email_events.hpp"
#include "handlers/email_common/job_fields.hpp"
#include "handlers/email_common/pending_sends.hpp"
#include "handlers/email_common/secrets.hpp"
#include "handlers/email_common/unsubscribe_token.hpp"
#include "handlers/email_sending/delivery_claim.hpp"
#include "handlers/email_sending/message_composer.hpp"
#include "handlers/email_common/smtp_pool.hpp"
#include "handlers/webhook/campaign_completion.hpp"
#include "mail/mail_error.hpp"
#include "pg/thread_connection.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers::email {
namespace {
constexpr int64_t kPausedRecheckMs = 15 * 60 * 1000;

nlohmann::json Skipped(const std::string& status, const std::string& reason) {
  return {{"success", true}, {"skipped", true}, {"status", status}, {"reason", reason}};
}

// What to do when the (campaign, lead, step) row already exists and is not
// ours to claim. Only the job that owns a row reports its failure; every other
// job is a duplicate and completes without touching anything.
void PublishSentFor(const SendingHandlerDeps& deps, const SendContext& sc,
                    const std::string& delivery_id, const std::string& message_id) {
  PublishSent(deps.events.get(), {.tenant_id = sc.request.tenant_id,
                                  .delivery_id = delivery_id,
                                  .campaign_id = sc.campaign.id,
                                  .lead_id = sc.lead.id,
                                  .email_account_id = sc.account.id,
                                  .recipient = sc.lead.email,
                                  .message_id = message_id,
                                  .step = sc.request.step});
}

Outcome ForExistingDelivery(const SendingHandlerDeps& deps, pg::Connection& conn,
                            const SendContext& sc, const DeliveryRow& row,
                            const std::string& job_id) {
  bool own = row.job_id == job_id;
  // An earlier attempt of this job recorded the send and stopped before (or
  // while) publishing: publish again (same event id, nothing duplicated).
  if (own && row.status == "sent") PublishSentFor(deps, sc, row.id, row.message_id);
  if (own && row.status == "sending") {
    // An earlier attempt of this job claimed the send and never recorded the
    // server's answer (crash, lost lease): it may have been delivered.
    MarkUnknown(conn, sc.request.tenant_id, sc.campaign.id, row.id, job_id);
    return Outcome::Permanent("delivery " + row.id +
                              " was in progress when an earlier attempt stopped; marked 'unknown' "
                              "for review instead of sending it again");
  }
  if (own && row.status == "unknown") {
    return Outcome::Permanent("delivery " + row.id +
                              " is 'unknown' (awaiting review); not re-sending");
  }
  if (own && row.status == "failed") return Outcome::Permanent(row.last_error);
  nlohmann::json result = {
      {"success", true}, {"duplicate", true}, {"status", row.status}, {"deliveryId", row.id}};
  if (!row.message_id.empty()) result["messageId"] = row.message_id;
  return Outcome::Completed(std::move(result));
}

std::string UnsubscribeLink(const SendingHandlerDeps& deps, const SendContext& sc) {
  if (deps.settings.unsubscribe_base_url.empty()) return "";
  try {
    std::string token = SignUnsubscribeToken(
        UnsubscribeSigningKey(deps.settings),
        {.tenant_id = sc.request.tenant_id, .lead_id = sc.lead.id, .campaign_id = sc.campaign.id});
    return UnsubscribeUrl(deps.settings.unsubscribe_base_url, token);
  } catch (const mail::SecretError& e) {
    throw PermanentError(std::string("cannot sign the unsubscribe link: ") + e.what());
  }
}

Outcome OnSmtpError(const SendingHandlerDeps& deps, JobContext& ctx, pg::Connection& conn,
                    const SendContext& sc, const DeliveryRow& claim, const mail::SmtpError& e) {
  if (e.outcome_unknown()) {
    MarkUnknown(conn, sc.request.tenant_id, sc.campaign.id, claim.id, ctx.job_id);
    return Outcome::Permanent(std::string(e.what()) +
                              "; the server may have accepted the message, so it is marked "
                              "'unknown' for review instead of being sent again");
  }
  if (e.hard_bounce()) {
    BounceResult bounce = RecordBounce(conn,
                 {.tenant_id = sc.request.tenant_id,
                  .message_id = claim.message_id,
                  .type = BounceType::kHard,
                  .reason = e.response(),
                  .recipient_email = sc.lead.email},
                 deps.settings);
    CancelPendingSends(conn, deps.redis_url,
                       {.tenant_id = sc.request.tenant_id,
                        .lead_id = sc.lead.id,
                        .reason = "lead bounced (hard)",
                        .exclude_job_id = ctx.job_id});
    PublishBounced(deps.events.get(), {.tenant_id = sc.request.tenant_id,
                                       .delivery_id = bounce.delivery_id,
                                       .campaign_id = bounce.campaign_id,
                                       .lead_id = bounce.lead_id,
                                       .recipient = bounce.recipient,
                                       .message_id = claim.message_id,
                                       .bounce_type = bounce.recorded_type,
                                       .reason = e.response()});
    return Outcome::Permanent(e.what());
  }
  if (!e.retryable()) {
    MarkFailed(conn, sc, claim.id, ctx.job_id, e.what(), e.response());
    return Outcome::Permanent(e.what());
  }
  if (ctx.attempt >= ctx.max_attempts) {
    MarkFailed(conn, sc, claim.id, ctx.job_id, e.what(), e.response());
    return Outcome::Permanent("giving up after " + std::to_string(ctx.attempt) +
                              " attempts: " + e.what());
  }
  // Nothing was accepted: the next attempt (any job) may claim it again.
  MarkDeferred(conn, claim.id, ctx.job_id, e.what());
  return Outcome::Retry(e.what());
}

// The server accepted the message: recording that must not be lost to a
// dropped database connection (the connection reconnects on the next call), so
// try a few times before leaving the row 'sending' for a re-run to flag.
void RecordSent(pg::Connection& conn, const SendContext& sc, const std::string& delivery_id,
                JobContext& ctx, const std::string& response) {
  for (int attempt = 1;; ++attempt) {
    try {
      MarkSent(conn, sc, delivery_id, ctx.job_id, response);
      return;
    } catch (const UnavailableError&) {
      if (attempt == 3) throw;
      ctx.cancel.WaitFor(std::chrono::milliseconds(200 * attempt));
    }
  }
}

Outcome Run(const SendingHandlerDeps& deps, JobContext& ctx) {
  auto& conn = pg::ThreadConnection(deps.database_url);
  SendContext sc = LoadSendContext(conn, SendRequest::FromPayload(JobTenant(ctx), ctx.payload));
  if (auto row = FindDelivery(conn, sc.request); row && row->status != "deferred") {
    return ForExistingDelivery(deps, conn, sc, *row, ctx.job_id);
  }
  int64_t now_ms = deps.clock->NowMs();
  if (sc.campaign.status == "paused") {
    return Outcome::RescheduleAt(now_ms + kPausedRecheckMs, "campaign is paused");
  }
  if (sc.campaign.status != "active") {
    return Outcome::Completed(Skipped("skipped", "campaign is " + sc.campaign.status));
  }
  // The checks, in the promised order: suppression, reply, limits, window.
  if (sc.lead.suppressed || sc.lead.status == "unsubscribed" || sc.lead.status == "bounced") {
    std::string reason =
        sc.lead.suppressed ? "address is on the suppression list" : "lead is " + sc.lead.status;
    RecordSkip(conn, sc, "suppressed", reason, Metric::kSuppressed);
    return Outcome::Completed(Skipped("suppressed", reason));
  }
  if (sc.lead.status == "replied" && sc.campaign.stop_on_reply) {
    RecordSkip(conn, sc, "skipped", "lead replied", Metric::kSkipped);
    return Outcome::Completed(Skipped("skipped", "lead replied"));
  }

  mail::BuiltMessage built;
  try {
    auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms));
    built = mail::BuildMessage(ComposeMessage(sc, UnsubscribeLink(deps, sc), now));
  } catch (const mail::MimeError& e) {
    throw PermanentError(std::string("cannot build the message: ") + e.what());
  }
  mail::SmtpClient& client = SmtpClientFor(sc.account, deps.settings);

  ClaimResult claim = ClaimDelivery(conn, sc, built.message_id, ctx.job_id, now_ms);
  if (claim.kind == ClaimResult::Kind::kReschedule) {
    return Outcome::RescheduleAt(claim.gate.run_at_ms, claim.gate.reason);
  }
  if (claim.kind == ClaimResult::Kind::kTaken) {
    return ForExistingDelivery(deps, conn, sc, claim.row, ctx.job_id);
  }
  // From here until MarkSent commits is the one window docs/email.md describes.
  mail::SmtpResult sent;
  try {
    sent = client.Send(sc.account.email, {sc.lead.email}, built.bytes);
  } catch (const mail::SmtpError& e) {
    return OnSmtpError(deps, ctx, conn, sc, claim.row, e);
  }
  RecordSent(conn, sc, claim.row.id, ctx, sent.response);
  PublishSentFor(deps, sc, claim.row.id, built.message_id);
  return Outcome::Completed({{"success", true},
                             {"messageId", built.message_id},
                             {"deliveryId", claim.row.id},
                             {"response", sent.response}});
}
// A send that ended (sent, failed, skipped...) may have been its campaign's last.
Outcome RunAndCheckCampaign(const SendingHandlerDeps& deps, JobContext& ctx) {
  Outcome outcome = Run(deps, ctx);
  bool ended = outcome.kind == Outcome::Kind::kCompleted ||
               outcome.kind == Outcome::Kind::kPermanentFailure;
  if (deps.events && ended) {
    webhook::RequestCampaignCheck(pg::ThreadConnection(deps.database_url), *deps.events,
                                  JobTenant(ctx), RequiredId(ctx.payload, "campaign_id"),
                                  ctx.job_id);
  }
  return outcome;
}
}  // namespace

Handler EmailSendingHandler(SendingHandlerDeps deps) {
  return [deps = std::move(deps)](JobContext& ctx) { return RunAndCheckCampaign(deps, ctx); };
}

}  // namespace postwork::handlers::email
