#include "handlers/email_common/email_events.hpp"

namespace postwork::handlers::email {
namespace {
using webhook::EventId;

nlohmann::json OrNull(const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); }
}  // namespace

void PublishSent(const webhook::EventPublisher* events, const SentEvent& e) {
  if (!events) return;
  events->Publish(e.tenant_id, webhook::kEmailSent,
                  {{"delivery_id", e.delivery_id},
                   {"campaign_id", e.campaign_id},
                   {"lead_id", e.lead_id},
                   {"email_account_id", OrNull(e.email_account_id)},
                   {"recipient", e.recipient},
                   {"message_id", e.message_id},
                   {"step", e.step}},
                  EventId(webhook::kEmailSent, e.tenant_id, e.delivery_id));
}

void PublishBounced(const webhook::EventPublisher* events, const BouncedEvent& e) {
  if (!events) return;
  // A soft bounce later upgraded to hard is two events.
  events->Publish(e.tenant_id, webhook::kEmailBounced,
                  {{"delivery_id", e.delivery_id},
                   {"campaign_id", e.campaign_id},
                   {"lead_id", e.lead_id},
                   {"recipient", e.recipient},
                   {"message_id", e.message_id},
                   {"bounce_type", e.bounce_type},
                   {"reason", e.reason},
                   {"escalated", e.escalated}},
                  EventId(webhook::kEmailBounced, e.tenant_id, e.delivery_id + "\n" + e.bounce_type));
}

void PublishInbound(const webhook::EventPublisher* events, const InboundEvent& e) {
  if (!events) return;
  nlohmann::json data = {{"message_id", e.message_id},
                         {"email_account_id", OrNull(e.email_account_id)},
                         {"from", e.from},
                         {"subject", e.subject},
                         {"classification", e.classification},
                         {"delivery_id", OrNull(e.delivery_id)},
                         {"campaign_id", OrNull(e.campaign_id)},
                         {"lead_id", OrNull(e.lead_id)}};
  events->Publish(e.tenant_id, webhook::kEmailReceived, data,
                  EventId(webhook::kEmailReceived, e.tenant_id, e.message_id));
  if (e.classification == "reply" && !e.delivery_id.empty()) {
    events->Publish(e.tenant_id, webhook::kEmailReplied, data,
                    EventId(webhook::kEmailReplied, e.tenant_id, e.message_id));
  }
}

void PublishUnsubscribed(const webhook::EventPublisher* events, const UnsubscribedEvent& e) {
  if (!events) return;
  events->Publish(e.tenant_id, webhook::kEmailUnsubscribed,
                  {{"lead_id", e.lead_id},
                   {"campaign_id", OrNull(e.campaign_id)},
                   {"email", e.email}},
                  EventId(webhook::kEmailUnsubscribed, e.tenant_id, e.lead_id + "\n" + e.campaign_id));
}

}  // namespace postwork::handlers::email
