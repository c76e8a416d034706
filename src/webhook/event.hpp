#pragma once

// What gets delivered, and to where, plus the exact JSON body that is signed.

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace postwork::webhook {

struct Endpoint {
  std::string url;
  std::string secret;  // HMAC key; never logged or put in error messages
};

struct Event {
  std::string id;    // stable across retries so receivers can deduplicate
  std::string type;  // e.g. "email.delivered"
  std::chrono::system_clock::time_point time;
  nlohmann::json data;
};

// RFC 3339 UTC with whole seconds: "2024-05-01T12:00:00Z".
std::string FormatCreatedAt(std::chrono::system_clock::time_point time);

// Compact JSON {"id","type","created_at","data"}, keys in that order. These
// bytes are both signed and sent, so receivers must verify the raw body, not a
// re-serialization. Throws nlohmann::json::exception if `data` holds strings
// that are not valid UTF-8.
std::string BuildEventBody(const Event& event);

}  // namespace postwork::webhook
