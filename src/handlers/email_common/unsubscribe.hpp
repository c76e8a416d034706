#pragma once
// What a verified one-click unsubscribe does (RFC 8058; the link comes from
// the List-Unsubscribe header the sending handler adds). In one transaction:
// the address goes on the tenant's suppression list (reason 'unsubscribe'),
// the lead becomes 'unsubscribed', its queued and scheduled sends of every
// campaign are cancelled, and the campaign's 'unsubscribes' counter goes up.
// Then email.unsubscribed is published. Idempotent: a second request changes
// nothing, counts nothing and publishes the same event id again.
#include <string>

#include "handlers/email_common/unsubscribe_token.hpp"
#include "handlers/webhook/event_publisher.hpp"
#include "pg/connection.hpp"

namespace postwork::handlers::email {

struct UnsubscribeOutcome {
  bool lead_found = false;  // false: the lead was deleted since the message went out
  bool changed = false;     // false: already unsubscribed
  int cancelled_sends = 0;
};

// `redis_url` for taking cancelled sends out of Redis ("" = PostgreSQL only).
UnsubscribeOutcome ApplyUnsubscribe(pg::Connection& conn, const std::string& redis_url,
                                    const webhook::EventPublisher* events,
                                    const UnsubscribeSubject& subject);

}  // namespace postwork::handlers::email
