#pragma once
// queue:webhook:process: delivers one event to one endpoint (one attempt per
// job attempt) with the signed sender in src/webhook/, records the attempt in
// webhook_deliveries and maps the result onto the job's outcome:
//   2xx -> completed; 410 -> endpoint disabled, permanent; 408/429/5xx/network
//   -> retry (Retry-After honoured); other 4xx, 3xx, refused URL -> permanent.
//   payload {event_id, endpoint_id, tenant_id?, type?}   (tenant: the job's)
//   result  {success, statusCode, latencyMs} or {success, skipped, reason}
// The same queue also runs campaign-completion checks (campaign_completion.hpp):
//   payload {check: "campaign.completed", campaign_id}
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "handlers/email_common/email_settings.hpp"
#include "handlers/webhook/event_publisher.hpp"
#include "handlers/webhook/webhook_settings.hpp"
#include "postwork/handler.hpp"

namespace postwork::handlers::webhook {

struct WebhookHandlerDeps {
  std::string database_url;
  email::EmailSettings keys;  // the secret key that decrypts endpoint secrets
  WebhookSettings settings;
  std::shared_ptr<const EventPublisher> events;
  const core::Clock* clock = &core::SystemClock::Instance();
};

Handler WebhookHandler(WebhookHandlerDeps deps);

}  // namespace postwork::handlers::webhook
