#pragma once

// Webhook request signing: HMAC-SHA256 over "<unix seconds>.<raw body>" keyed
// with the endpoint's secret, sent as "X-Postwork-Signature: t=<unix>,v1=<hex>".
// Binding the timestamp into the MAC lets receivers reject replays of old
// requests without trusting a separate, unsigned timestamp header.

#include <chrono>
#include <string>
#include <string_view>

namespace postwork::webhook {

// Lower-case hex HMAC-SHA256 of `message` keyed with `key`. Exposed so the
// primitive can be checked against published test vectors.
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// Hex signature of "<timestamp>.<body>". Throws std::invalid_argument when the
// secret is empty: an unkeyed MAC would authenticate nothing.
std::string ComputeSignature(std::string_view secret, std::chrono::sys_seconds timestamp,
                             std::string_view body);

// The full header value "t=<timestamp>,v1=<hex>".
std::string SignatureHeader(std::string_view secret, std::chrono::sys_seconds timestamp,
                            std::string_view body);

enum class VerifyResult {
  kValid,
  kMalformed,  // no parsable t= or no v1= entry
  kStale,      // timestamp further than the tolerance from `now`, either direction
  kMismatch,   // no v1= entry matches the expected signature
};

std::string_view ToString(VerifyResult result);

// Receiver-side check of a signature header. Several v1= entries are accepted
// (any one matching suffices) so senders can sign with an old and a new secret
// during rotation; unknown keys are ignored for forward compatibility. The
// comparison is constant-time. Throws std::invalid_argument on an empty secret.
VerifyResult Verify(std::string_view header, std::string_view body, std::string_view secret,
                    std::chrono::sys_seconds now, std::chrono::seconds tolerance);

}  // namespace postwork::webhook
