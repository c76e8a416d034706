#pragma once

// Parsing and first-line validation of endpoint URLs, done with libcurl's own
// URL parser so that the host we check is the host curl will request.

#include <optional>
#include <string>
#include <string_view>

namespace postwork::webhook {

struct WebhookUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower-case; IPv6 literals without brackets
  int port = 0;        // explicit port or the scheme's default
  std::string url;     // normalized by curl, fragment removed; what gets requested
};

struct UrlParseResult {
  std::optional<WebhookUrl> url;
  // Why the URL was refused. Never echoes the URL: paths and queries of
  // webhook URLs are often bearer secrets themselves.
  std::string error;
};

// Refuses anything but http/https, any userinfo (user or password), IPv6 zone
// ids, and URLs curl cannot parse.
UrlParseResult ParseWebhookUrl(std::string_view text);

}  // namespace postwork::webhook
