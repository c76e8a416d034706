#pragma once
// The email handlers' webhook events, built in one place so their payloads
// match docs/webhooks.md ("Events"). Each is called after the change it
// reports has committed, also on a re-run that finds the change already made
// (the event id is derived from the change, so nothing is delivered twice).
// A null publisher publishes nothing.
#include <string>

#include "handlers/webhook/event_publisher.hpp"

namespace postwork::handlers::email {

struct SentEvent {
  std::string tenant_id, delivery_id, campaign_id, lead_id, email_account_id, recipient,
      message_id;
  int step = 1;
};
void PublishSent(const webhook::EventPublisher* events, const SentEvent& e);

struct BouncedEvent {
  std::string tenant_id, delivery_id, campaign_id, lead_id, recipient, message_id;
  std::string bounce_type;  // as recorded on the delivery: "hard" / "soft"
  std::string reason;
  bool escalated = false;
};
void PublishBounced(const webhook::EventPublisher* events, const BouncedEvent& e);

struct InboundEvent {
  std::string tenant_id, message_id, email_account_id, from, subject, classification;
  std::string delivery_id, campaign_id, lead_id;  // replies and auto-replies
};
// email.received for every stored inbound message; email.replied as well when
// it is a human reply to one of the tenant's deliveries.
void PublishInbound(const webhook::EventPublisher* events, const InboundEvent& e);

struct UnsubscribedEvent {
  std::string tenant_id, lead_id, campaign_id, email;
};
void PublishUnsubscribed(const webhook::EventPublisher* events, const UnsubscribedEvent& e);

}  // namespace postwork::handlers::email
