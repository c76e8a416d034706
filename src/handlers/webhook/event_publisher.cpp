#include "handlers/webhook/event_publisher.hpp"

#include "core/thread_client.hpp"
#include "handlers/webhook/endpoint_store.hpp"
#include "mail/codec.hpp"
#include "pg/thread_connection.hpp"

namespace postwork::handlers::webhook {
namespace {
// Bounds the cache when many tenants publish: dropping it all is cheap.
constexpr size_t kMaxCacheEntries = 10'000;
}  // namespace

std::string EventId(std::string_view type, std::string_view tenant_id, std::string_view source) {
  // Length-prefixed, so no two (type, tenant, source) triples hash the same text.
  std::string key;
  for (std::string_view part : {type, tenant_id, source}) {
    key.append(std::to_string(part.size())).append(":").append(part);
  }
  return "evt_" + mail::Sha256Hex(key).substr(0, 32);
}

std::string DeliveryJobId(std::string_view event_id, std::string_view endpoint_id) {
  return "webhook:" + std::string(event_id) + ":" + std::string(endpoint_id);
}

EventPublisher::EventPublisher(PublisherOptions options) : options_(std::move(options)) {}

std::vector<std::string> EventPublisher::Subscribed(const std::string& tenant_id,
                                                    const std::string& type) const {
  const int64_t ttl = options_.settings.endpoint_cache_ttl.count();
  const int64_t now = options_.clock->NowMs();
  auto key = std::make_pair(tenant_id, type);
  if (ttl > 0) {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end() && it->second.expires_ms > now) {
      return it->second.endpoint_ids;
    }
  }
  auto ids = SubscribedEndpoints(pg::ThreadConnection(options_.database_url), tenant_id, type);
  if (ttl > 0) {
    std::lock_guard lock(mu_);
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();
    cache_[key] = {.expires_ms = now + ttl, .endpoint_ids = ids};
  }
  return ids;
}

bool EventPublisher::HasSubscribers(const std::string& tenant_id, const std::string& type) const {
  return !Subscribed(tenant_id, type).empty();
}

Published EventPublisher::Publish(const std::string& tenant_id, const std::string& type,
                                  const nlohmann::json& data, const std::string& event_id) const {
  Published out{.event_id = event_id};
  auto endpoints = Subscribed(tenant_id, type);
  out.endpoints = static_cast<int>(endpoints.size());
  if (endpoints.empty()) return out;
  StoreEvent(pg::ThreadConnection(options_.database_url), tenant_id, event_id, type, data);
  std::vector<BatchJob> jobs;
  jobs.reserve(endpoints.size());
  for (const auto& endpoint_id : endpoints) {
    jobs.push_back({.payload = {{"event_id", event_id},
                                {"endpoint_id", endpoint_id},
                                {"tenant_id", tenant_id},
                                {"type", type}},
                    .id = DeliveryJobId(event_id, endpoint_id)});
  }
  auto results = core::ThreadClient(options_.redis_url, options_.database_url)
                     .EnqueueBatch(kWebhookQueue, jobs,
                                   {.max_attempts = options_.settings.max_attempts,
                                    .tenant_id = tenant_id});
  for (const auto& r : results) out.enqueued += r.created ? 1 : 0;
  return out;
}

}  // namespace postwork::handlers::webhook
