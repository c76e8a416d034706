#include "handlers/webhook/webhook_handler.hpp"

#include "handlers/email_common/job_fields.hpp"
#include "handlers/email_common/secrets.hpp"
#include "handlers/webhook/campaign_completion.hpp"
#include "handlers/webhook/endpoint_store.hpp"
#include "mail/mail_error.hpp"
#include "pg/thread_connection.hpp"
#include "postwork/error.hpp"
#include "webhook/delivery.hpp"

namespace postwork::handlers::webhook {
namespace {
namespace wh = postwork::webhook;

struct Shared {
  WebhookHandlerDeps deps;
  wh::WebhookSender sender;
};

wh::SenderOptions SenderOptionsFor(const WebhookSettings& s) {
  wh::SenderOptions o;
  o.timeout = s.timeout;
  o.allowlist = wh::SsrfAllowlist::Parse(s.allowlist);
  return o;
}

Outcome Skipped(pg::Connection& conn, const DeliveryAttempt& base, const std::string& reason,
                bool record) {
  if (record) {
    DeliveryAttempt a = base;
    a.outcome = "skipped";
    a.error = reason;
    RecordAttempt(conn, a);
  }
  return Outcome::Completed({{"success", true}, {"skipped", true}, {"reason", reason}});
}

// What the job does next, from the attempt's result.
Outcome Decide(pg::Connection& conn, const Shared& s, const DeliveryAttempt& a,
               const wh::DeliveryResult& r) {
  switch (r.kind) {
    case wh::DeliveryKind::kDelivered:
      return Outcome::Completed(
          {{"success", true}, {"statusCode", r.status_code}, {"latencyMs", r.latency_ms}});
    case wh::DeliveryKind::kDisable:
      DisableEndpoint(conn, a.tenant_id, a.endpoint_id,
                      "the receiver answered 410 Gone (event " + a.event_id + ")");
      return Outcome::Permanent("endpoint answered 410 Gone: endpoint disabled");
    case wh::DeliveryKind::kRetry:
      if (r.retry_after) {
        int64_t seconds = r.retry_after->count();
        return Outcome::Retry(r.error + " (Retry-After " + std::to_string(seconds) + " s)",
                              s.deps.clock->NowMs() + seconds * 1000);
      }
      return Outcome::Retry(r.error);
    case wh::DeliveryKind::kPermanent:
      break;
  }
  if (r.status_code == 0) return Outcome::Permanent("webhook URL refused, not sent: " + r.error);
  return Outcome::Permanent(r.error);
}

Outcome Deliver(const Shared& s, JobContext& ctx, const std::string& tenant) {
  std::string event_id = email::RequiredId(ctx.payload, "event_id");
  std::string endpoint_id = email::RequiredId(ctx.payload, "endpoint_id");
  auto& conn = pg::ThreadConnection(s.deps.database_url);
  DeliveryAttempt attempt{.tenant_id = tenant,
                          .event_id = event_id,
                          .endpoint_id = endpoint_id,
                          .job_id = ctx.job_id,
                          .attempt = ctx.attempt};
  auto endpoint = FindEndpoint(conn, tenant, endpoint_id);
  if (!endpoint) return Skipped(conn, attempt, "endpoint no longer exists", false);
  auto event = FindEvent(conn, tenant, event_id);
  if (!event) throw PermanentError("webhook event " + event_id + " not found for this tenant");
  if (!endpoint->active) return Skipped(conn, attempt, "endpoint is disabled", true);
  std::string secret;
  try {
    secret = email::DecryptStoredSecret(s.deps.keys, endpoint->secret_enc);
  } catch (const mail::SecretError& e) {
    throw PermanentError(std::string("cannot decrypt the endpoint secret: ") + e.what());
  }
  wh::DeliveryResult r = s.sender.Deliver(
      {.url = endpoint->url, .secret = secret},
      {.id = event->id,
       .type = event->type,
       .time = std::chrono::system_clock::time_point(std::chrono::seconds(event->created_at_s)),
       .data = event->data});
  attempt.status_code = r.status_code;
  attempt.latency_ms = r.latency_ms;
  attempt.error = r.error;
  attempt.outcome = std::string(wh::ToString(r.kind));
  RecordAttempt(conn, attempt);
  return Decide(conn, s, attempt, r);
}
}  // namespace

Handler WebhookHandler(WebhookHandlerDeps deps) {
  auto sender_options = SenderOptionsFor(deps.settings);
  auto shared = std::make_shared<const Shared>(
      Shared{.deps = std::move(deps), .sender = wh::WebhookSender(std::move(sender_options))});
  return [shared](JobContext& ctx) {
    std::string tenant = email::JobTenant(ctx);
    if (auto check = email::OptionalString(ctx.payload, "check")) {
      if (*check != kCampaignCompleted) throw PermanentError("unknown check: " + *check);
      if (!shared->deps.events) throw PermanentError("no event publisher configured");
      return RunCampaignCheck(pg::ThreadConnection(shared->deps.database_url),
                              *shared->deps.events, tenant,
                              email::RequiredId(ctx.payload, "campaign_id"));
    }
    return Deliver(*shared, ctx, tenant);
  };
}

}  // namespace postwork::handlers::webhook
