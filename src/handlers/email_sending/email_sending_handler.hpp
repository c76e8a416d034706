#pragma once
// queue:email-sending*: the seed's processEmailSending. One job sends step
// `step` of a campaign to one lead, at most once (see delivery_claim.hpp).
//   payload {campaign_id, recipient_id, email_template?, personalizations?, step?,
//            email_account_id?}
//   result  {success, messageId, deliveryId, response} or {success, skipped, status, reason}
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "handlers/email_common/email_settings.hpp"
#include "handlers/webhook/event_publisher.hpp"
#include "postwork/handler.hpp"

namespace postwork::handlers::email {

struct SendingHandlerDeps {
  std::string database_url;
  std::string redis_url;  // for cancelling queued sends after an SMTP-time hard bounce
  EmailSettings settings;
  // Publishes this handler's webhook events; null = none.
  std::shared_ptr<const webhook::EventPublisher> events{};
  const core::Clock* clock = &core::SystemClock::Instance();
};

Handler EmailSendingHandler(SendingHandlerDeps deps);

}  // namespace postwork::handlers::email
