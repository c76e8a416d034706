#pragma once
// Publishing a webhook event: any handler calls Publish after the change that
// caused the event has committed. The event is stored once (webhook_events)
// and fanned out as one queue:webhook:process job per active endpoint of the
// tenant subscribed to its type. Both steps are idempotent on the event id, so
// a handler that is retried after publishing publishes again harmlessly: the
// event row and the delivery jobs already exist and nothing is duplicated.
//
//   auto id = EventId(kEmailSent, tenant_id, delivery_id);   // deterministic
//   publisher.Publish(tenant_id, kEmailSent, {{"delivery_id", ...}}, id);
//
// A tenant with no subscribed endpoint costs one indexed query per event (or
// none, within endpoint_cache_ttl of the last one); such events are not stored.
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "handlers/webhook/webhook_settings.hpp"

namespace postwork::handlers::webhook {

inline constexpr const char* kWebhookQueue = "queue:webhook:process";

// The event types postwork publishes (docs/webhooks.md, "Events").
inline constexpr const char* kEmailSent = "email.sent";
inline constexpr const char* kEmailBounced = "email.bounced";
inline constexpr const char* kEmailReplied = "email.replied";
inline constexpr const char* kEmailReceived = "email.received";
inline constexpr const char* kEmailUnsubscribed = "email.unsubscribed";
inline constexpr const char* kCampaignCompleted = "campaign.completed";
inline constexpr const char* kWarmupPaused = "warmup.paused";
inline constexpr const char* kJobDead = "job.dead";

// "evt_" + 32 hex digits of SHA-256(type, tenant, source). `source` names what
// caused the event (a delivery id, a Message-ID, a job id and lease...): the
// same cause always gives the same id, across retries and workers.
std::string EventId(std::string_view type, std::string_view tenant_id, std::string_view source);
// The delivery job of one event to one endpoint: "webhook:<event>:<endpoint>".
std::string DeliveryJobId(std::string_view event_id, std::string_view endpoint_id);

struct PublisherOptions {
  std::string database_url;
  std::string redis_url;
  WebhookSettings settings{};
  const core::Clock* clock = &core::SystemClock::Instance();
};

struct Published {
  std::string event_id;
  int endpoints = 0;  // subscribed active endpoints
  int enqueued = 0;   // delivery jobs created by this call (0 on a re-publish)
};

// Thread-safe: each thread uses its own PostgreSQL connection and producer.
class EventPublisher {
 public:
  explicit EventPublisher(PublisherOptions options);

  // Throws what PostgreSQL or the producer throw (UnavailableError, SqlError):
  // a handler lets it propagate so that its retry publishes again.
  Published Publish(const std::string& tenant_id, const std::string& type,
                    const nlohmann::json& data, const std::string& event_id) const;
  // Whether any active endpoint of the tenant takes `type` (cached like Publish).
  bool HasSubscribers(const std::string& tenant_id, const std::string& type) const;
  const PublisherOptions& options() const { return options_; }

 private:
  std::vector<std::string> Subscribed(const std::string& tenant_id, const std::string& type) const;

  struct CacheEntry {
    int64_t expires_ms = 0;
    std::vector<std::string> endpoint_ids;
  };
  PublisherOptions options_;
  mutable std::mutex mu_;
  mutable std::map<std::pair<std::string, std::string>, CacheEntry> cache_;
};

}  // namespace postwork::handlers::webhook
