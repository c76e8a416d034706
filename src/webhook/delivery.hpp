#pragma once

// Signed HTTP delivery of one webhook event to one endpoint. The sender makes
// a single attempt and classifies the outcome; scheduling retries and
// disabling endpoints is the job engine's business.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "webhook/delivery_result.hpp"
#include "webhook/event.hpp"
#include "webhook/resolver.hpp"
#include "webhook/ssrf_guard.hpp"

namespace postwork::webhook {

// "postwork-webhook/<version>".
std::string UserAgent();

struct SenderOptions {
  // Whole attempt: connect, send, wait for and read the response.
  std::chrono::milliseconds timeout{10'000};
  // Response bytes kept; reading stops at this point.
  std::size_t max_response_bytes = 64 * 1024;
  SsrfAllowlist allowlist;
  Resolver resolver = SystemResolve;
  // Source of the signature timestamp; tests pin it.
  std::function<std::chrono::sys_seconds()> clock = [] {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  };
};

class WebhookSender {
 public:
  explicit WebhookSender(SenderOptions options = {});

  // POSTs the event body, signed with the endpoint secret, to the address the
  // SSRF guard approved. Redirects are never followed and proxies from the
  // environment are ignored (a proxy would resolve the host itself, undoing
  // the pinning). Never throws for delivery problems; every failure becomes a
  // DeliveryResult. Safe to call concurrently: each call uses its own handle.
  DeliveryResult Deliver(const Endpoint& endpoint, const Event& event) const;

 private:
  SenderOptions options_;
  SsrfGuard guard_;
};

}  // namespace postwork::webhook
