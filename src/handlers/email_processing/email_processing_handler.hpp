#pragma once
// queue:email:processing*: the seed's processIncomingEmail, plus what an inbound
// message means: DSN -> a bounce job per failed recipient; auto-reply ->
// counted, not a reply; reply -> the lead is 'replied', reply metrics move,
// and on a stop-on-reply campaign the lead's queued sends are cancelled.
//   result {success, storageKey, contentObjectId, messageRefId, duplicate,
//           classification, deliveryId?, bounceJobs?, cancelledSends?}
#include <string>

#include "core/clock.hpp"
#include "handlers/email_common/email_settings.hpp"
#include "postwork/handler.hpp"

namespace postwork::handlers::email {

struct ProcessingHandlerDeps {
  std::string database_url;
  std::string redis_url;
  EmailSettings settings;
  const core::Clock* clock = &core::SystemClock::Instance();
};

Handler EmailProcessingHandler(ProcessingHandlerDeps deps);

}  // namespace postwork::handlers::email
