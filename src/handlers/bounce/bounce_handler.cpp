#include "handlers/bounce/bounce_handler.hpp"

#include "handlers/bounce/bounce_recorder.hpp"
#include "handlers/email_common/email_events.hpp"
#include "handlers/email_common/job_fields.hpp"
#include "handlers/email_common/pending_sends.hpp"
#include "mail/address.hpp"
#include "mail/mail_error.hpp"
#include "pg/thread_connection.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers::email {
namespace {
BounceType ParseType(const std::optional<std::string>& text) {
  if (text == "hard") return BounceType::kHard;
  if (text == "soft") return BounceType::kSoft;
  throw PermanentError("payload field \"bounce_type\" must be \"hard\" or \"soft\"");
}

std::string MessageIdField(const nlohmann::json& p) {
  auto raw = OptionalString(p, "message_id");
  if (!raw || raw->empty()) throw PermanentError("payload field \"message_id\" is required");
  try {
    return mail::NormalizeMessageId(*raw);
  } catch (const mail::MimeError&) {
    throw PermanentError("Delivery record not found for message: " + *raw);
  }
}

Outcome Run(const BounceHandlerDeps& deps, JobContext& ctx) {
  std::string tenant = JobTenant(ctx);
  BounceInput in{.tenant_id = tenant,
                 .message_id = MessageIdField(ctx.payload),
                 .type = ParseType(OptionalString(ctx.payload, "bounce_type")),
                 .reason = OptionalString(ctx.payload, "bounce_reason").value_or(""),
                 .recipient_email = OptionalString(ctx.payload, "recipient_email").value_or("")};
  auto& conn = pg::ThreadConnection(deps.database_url);
  // Warmup emails have no delivery row: their bounce pauses the sender's warmup.
  if (auto warm = warmup::FindWarmupSend(conn, tenant, in.message_id)) {
    bool paused = warmup::PauseWarmupForBounce(conn,
                                               {.tenant_id = tenant,
                                                .account_id = warm->account_id,
                                                .message_id = in.message_id,
                                                .bounce_type = BounceTypeName(in.type),
                                                .reason = in.reason,
                                                .recipient_email = in.recipient_email.empty()
                                                                       ? warm->to_email
                                                                       : in.recipient_email,
                                                .job_id = ctx.job_id},
                                               deps.on_warmup_paused);
    return Outcome::Completed({{"success", true},
                               {"warmup", true},
                               {"accountId", warm->account_id},
                               {"paused", paused},
                               {"alreadyPaused", !paused}});
  }
  BounceResult r = RecordBounce(conn, in, deps.settings);
  int cancelled = 0;
  // Also on a re-run (changed == false): the first run may have crashed
  // before getting here.
  if (r.applied == BounceType::kHard) {
    cancelled = CancelPendingSends(
        conn, deps.redis_url,
        {.tenant_id = tenant, .lead_id = r.lead_id, .reason = "lead bounced (hard)"});
  }
  // Also on a re-run, unless an earlier hard bounce makes this soft one moot.
  if (r.changed || r.recorded_type == BounceTypeName(r.applied)) {
    PublishBounced(deps.events.get(), {.tenant_id = tenant,
                                       .delivery_id = r.delivery_id,
                                       .campaign_id = r.campaign_id,
                                       .lead_id = r.lead_id,
                                       .recipient = r.recipient,
                                       .message_id = in.message_id,
                                       .bounce_type = r.recorded_type,
                                       .reason = in.reason,
                                       .escalated = r.escalated});
  }
  return Outcome::Completed({{"success", true},
                             {"deliveryId", r.delivery_id},
                             {"bounceType", BounceTypeName(r.applied)},
                             {"escalated", r.escalated},
                             {"alreadyRecorded", !r.changed},
                             {"cancelledSends", cancelled}});
}
}  // namespace

Handler BounceHandler(BounceHandlerDeps deps) {
  return [deps = std::move(deps)](JobContext& ctx) { return Run(deps, ctx); };
}

}  // namespace postwork::handlers::email
