#pragma once
// queue:email:processing*: the seed's processIncomingEmail, plus what an inbound
// message means: DSN -> a bounce job per failed recipient; auto-reply ->
// counted, not a reply; reply -> the lead is 'replied', reply metrics move,
// and on a stop-on-reply campaign the lead's queued sends are cancelled.
//   result {success, storageKey, contentObjectId, messageRefId, duplicate,
//           classification, deliveryId?, bounceJobs?, cancelledSends?}
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "handlers/email_common/email_settings.hpp"
#include "handlers/webhook/event_publisher.hpp"
#include "postwork/handler.hpp"

namespace postwork::handlers::email {

struct ProcessingHandlerDeps {
  std::string database_url;
  std::string redis_url;
  EmailSettings settings;
  // Publishes this handler's webhook events; null = none.
  std::shared_ptr<const webhook::EventPublisher> events{};
  const core::Clock* clock = &core::SystemClock::Instance();
};

Handler EmailProcessingHandler(ProcessingHandlerDeps deps);

}  // namespace postwork::handlers::email
