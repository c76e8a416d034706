#pragma once

// The outcome of one webhook delivery attempt, and the HTTP status policy
// that maps responses onto what the job engine should do next.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postwork::webhook {

enum class DeliveryKind {
  kDelivered,  // 2xx
  kRetry,      // 408, 429, 5xx, network errors, timeouts, DNS failures
  kDisable,    // 410 Gone: the receiver asks us to stop sending to this endpoint
  kPermanent,  // other 4xx, 3xx (redirects are not followed), refused or invalid URL
};

std::string_view ToString(DeliveryKind kind);

// Policy for a received HTTP status code.
DeliveryKind ClassifyStatus(long status_code);

struct DeliveryResult {
  DeliveryKind kind = DeliveryKind::kPermanent;
  int status_code = 0;  // 0 when no HTTP response was received
  std::int64_t latency_ms = 0;  // time spent on the HTTP exchange itself
  // Empty when delivered. Never contains the endpoint secret, the URL's path
  // or query, or the response body.
  std::string error;
  // The receiver's Retry-After, when kind is kRetry and it sent a valid one.
  std::optional<std::chrono::seconds> retry_after;
  // Up to the sender's cap, for showing in the customer's delivery log. Not
  // logged by the sender: receivers may echo anything back.
  std::string response_body;
  bool response_truncated = false;
};

}  // namespace postwork::webhook
