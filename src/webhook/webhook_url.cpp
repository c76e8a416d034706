#include "webhook/webhook_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "webhook/curl_handles.hpp"

namespace postwork::webhook {
namespace {

UrlParseResult Refuse(std::string reason) { return UrlParseResult{std::nullopt, std::move(reason)}; }

// Returns the part, or nullopt when it is absent (or cannot be read).
std::optional<std::string> GetPart(CURLU* url, CURLUPart part, unsigned int flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, flags) != CURLUE_OK || raw == nullptr) return std::nullopt;
  CurlString owned(raw);
  return std::string(owned.get());
}

}  // namespace

UrlParseResult ParseWebhookUrl(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return Refuse("URL contains a NUL byte");
  CurlUrl url(curl_url());
  if (!url) return Refuse("out of memory parsing URL");

  const std::string copy(text);
  // No CURLU_GUESS_SCHEME / CURLU_DEFAULT_SCHEME: a URL without an explicit
  // scheme is a configuration mistake, not something to repair.
  if (const CURLUcode rc = curl_url_set(url.get(), CURLUPART_URL, copy.c_str(), 0);
      rc != CURLUE_OK) {
    return Refuse(std::string("URL is malformed: ") + curl_url_strerror(rc));
  }

  WebhookUrl parsed;
  parsed.scheme = GetPart(url.get(), CURLUPART_SCHEME).value_or("");
  std::transform(parsed.scheme.begin(), parsed.scheme.end(), parsed.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (parsed.scheme != "http" && parsed.scheme != "https") {
    return Refuse("URL scheme must be http or https");
  }
  // Credentials in a URL would be sent as Basic auth to whoever answers, and
  // "https://trusted@evil/" style URLs exist to mislead humans reviewing them.
  if (GetPart(url.get(), CURLUPART_USER) || GetPart(url.get(), CURLUPART_PASSWORD) ||
      GetPart(url.get(), CURLUPART_OPTIONS)) {
    return Refuse("URL must not contain credentials");
  }
  if (GetPart(url.get(), CURLUPART_ZONEID)) return Refuse("URL must not contain an IPv6 zone id");

  std::string host = GetPart(url.get(), CURLUPART_HOST).value_or("");
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return Refuse("URL has no host");
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  parsed.host = std::move(host);

  const std::string port = GetPart(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT).value_or("");
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), parsed.port);
  if (ec != std::errc{} || end != port.data() + port.size() || parsed.port <= 0 ||
      parsed.port > 65535) {
    return Refuse("URL has an invalid port");
  }

  // Fragments are never sent over HTTP; dropping them keeps the request line
  // identical to what a browser would send.
  curl_url_set(url.get(), CURLUPART_FRAGMENT, nullptr, 0);
  std::optional<std::string> normalized = GetPart(url.get(), CURLUPART_URL);
  if (!normalized) return Refuse("URL cannot be normalized");
  parsed.url = std::move(*normalized);
  return UrlParseResult{std::move(parsed), {}};
}

}  // namespace postwork::webhook
