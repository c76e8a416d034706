#pragma once
// queue:bounce:process: the seed's processBounceJob.
//   payload {message_id, bounce_type: "hard"|"soft", bounce_reason, recipient_email}
//   result  {success, deliveryId, bounceType, escalated, alreadyRecorded, cancelledSends}
//           or, for a warmup email, {success, warmup: true, accountId, paused, alreadyPaused}
#include <memory>
#include <string>

#include "handlers/email_common/email_settings.hpp"
#include "handlers/warmup/warmup_pause.hpp"
#include "handlers/webhook/event_publisher.hpp"
#include "postwork/handler.hpp"

namespace postwork::handlers::email {

struct BounceHandlerDeps {
  std::string database_url;
  std::string redis_url;  // for cancelling the lead's queued sends
  EmailSettings settings;
  // A bounce of a warmup email pauses that account's warmup and calls this
  // (see handlers/warmup/warmup_pause.hpp).
  warmup::WarmupPausedHook on_warmup_paused{};
  // Publishes this handler's webhook events; null = none.
  std::shared_ptr<const webhook::EventPublisher> events{};
};

Handler BounceHandler(BounceHandlerDeps deps);

}  // namespace postwork::handlers::email
