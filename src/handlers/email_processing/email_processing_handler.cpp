#include "handlers/email_processing/email_processing_handler.hpp"

#include "handlers/email_common/email_events.hpp"
#include "handlers/email_common/job_fields.hpp"
#include "handlers/email_common/pending_sends.hpp"
#include "handlers/email_processing/inbound_classifier.hpp"
#include "handlers/email_processing/message_store.hpp"
#include "mail/codec.hpp"
#include "pg/thread_connection.hpp"
#include "core/thread_client.hpp"

namespace postwork::handlers::email {
namespace {
// One bounce job per failed recipient. The job id is derived from the DSN and
// the recipient, so re-running this job never enqueues a second one.
nlohmann::json EnqueueBounces(const ProcessingHandlerDeps& deps, const std::string& tenant_id,
                              const std::string& dsn_message_id,
                              const std::vector<BounceNotice>& bounces) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& b : bounces) {
    if (b.message_id.empty()) {
      jobs.push_back({{"recipient", b.recipient_email}, {"skipped", "no matching delivery"}});
      continue;
    }
    std::string id =
        "bounce-" +
        mail::Sha256Hex(tenant_id + "\n" + dsn_message_id + "\n" + b.recipient_email).substr(0, 32);
    nlohmann::json payload = {{"message_id", b.message_id},
                              {"bounce_type", b.bounce_type},
                              {"bounce_reason", b.reason},
                              {"recipient_email", b.recipient_email},
                              {"status_code", b.status_code}};
    auto e =
        core::ThreadClient(deps.redis_url, deps.database_url).Enqueue("bounce:process", payload, {.tenant_id = tenant_id, .id = id});
    jobs.push_back(
        {{"recipient", b.recipient_email}, {"jobId", e.id}, {"bounceType", b.bounce_type}});
  }
  return jobs;
}

Outcome Run(const ProcessingHandlerDeps& deps, JobContext& ctx) {
  std::string tenant = JobTenant(ctx);
  IncomingEmail email = IncomingEmailFromPayload(ctx.payload, deps.settings.max_incoming_bytes);
  auto& conn = pg::ThreadConnection(deps.database_url);
  Classification c = ClassifyInbound(conn, tenant, email);
  StoredMessage stored = StoreIncoming(conn, tenant, email, c, deps.settings, deps.clock->NowMs());
  nlohmann::json result = {{"success", true},
                           {"storageKey", stored.storage_key},
                           {"contentObjectId", stored.storage_key},
                           {"messageRefId", stored.storage_key},
                           {"messageId", email.message_id},
                           {"duplicate", !stored.created},
                           {"classification", InboundKindName(c.kind)}};
  if (c.delivery) result["deliveryId"] = c.delivery->id;
  // The follow-ups run on every attempt (each is idempotent): an earlier
  // attempt may have stored the message and crashed before them.
  if (c.kind == InboundKind::kBounce) {
    result["bounceJobs"] = EnqueueBounces(deps, tenant, email.message_id, c.bounces);
  }
  if (c.kind == InboundKind::kReply && c.delivery && c.delivery->stop_on_reply) {
    result["cancelledSends"] = CancelPendingSends(conn, deps.redis_url,
                                                  {.tenant_id = tenant,
                                                   .lead_id = c.delivery->lead_id,
                                                   .campaign_id = c.delivery->campaign_id,
                                                   .reason = "lead replied"});
  }
  PublishInbound(deps.events.get(),
                 {.tenant_id = tenant,
                  .message_id = email.message_id,
                  .email_account_id = email.email_account_id.value_or(""),
                  .from = email.from,
                  .subject = email.subject,
                  .classification = InboundKindName(c.kind),
                  .delivery_id = c.delivery ? c.delivery->id : "",
                  .campaign_id = c.delivery ? c.delivery->campaign_id : "",
                  .lead_id = c.delivery ? c.delivery->lead_id : ""});
  return Outcome::Completed(std::move(result));
}
}  // namespace

Handler EmailProcessingHandler(ProcessingHandlerDeps deps) {
  return [deps = std::move(deps)](JobContext& ctx) { return Run(deps, ctx); };
}

}  // namespace postwork::handlers::email
