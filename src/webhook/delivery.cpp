#include "webhook/delivery.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "webhook/curl_handles.hpp"
#include "webhook/retry_after.hpp"
#include "webhook/signer.hpp"

namespace postwork::webhook {
namespace {

struct ResponseSink {
  std::string body;
  std::size_t cap = 0;
  bool truncated = false;
};

std::size_t WriteResponse(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<ResponseSink*>(user);
  const std::size_t length = size * count;
  const std::size_t room = sink->cap - sink->body.size();
  if (length > room) {
    sink->body.append(data, room);
    sink->truncated = true;
    // Returning short aborts the transfer: a receiver streaming an endless
    // body must not hold the worker until the timeout.
    return 0;
  }
  sink->body.append(data, length);
  return length;
}

// Values go into request headers verbatim, so CR/LF would inject headers.
bool IsHeaderSafe(std::string_view value) {
  return !value.empty() && std::none_of(value.begin(), value.end(),
                                        [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

DeliveryResult Failure(DeliveryKind kind, std::string error) {
  DeliveryResult result;
  result.kind = kind;
  result.error = std::move(error);
  return result;
}

DeliveryKind ClassifyTransportError(CURLcode code) {
  switch (code) {
    // The guard has vetted the URL, so these mean the URL can never work.
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return DeliveryKind::kPermanent;
    default:
      // Connection refused/reset, timeouts, TLS failures: the endpoint may
      // recover, and the engine's retry budget bounds the cost.
      return DeliveryKind::kRetry;
  }
}

std::optional<std::chrono::seconds> RetryAfterHeader(CURL* curl) {
  curl_header* header = nullptr;
  // Request index -1: the final response, not an interim 1xx.
  if (curl_easy_header(curl, "Retry-After", 0, CURLH_HEADER, -1, &header) != CURLHE_OK ||
      header == nullptr) {
    return std::nullopt;
  }
  return ParseRetryAfter(header->value, std::chrono::system_clock::now());
}

// Every setopt below is checked: a silently ignored option (say, the pinning
// or the redirect ban) would turn into a security hole rather than an error.
class Options {
 public:
  explicit Options(CURL* curl) : curl_(curl) {}
  template <typename T>
  Options& Set(CURLoption option, T value) {
    if (ok_ && curl_easy_setopt(curl_, option, value) != CURLE_OK) ok_ = false;
    return *this;
  }
  bool ok() const { return ok_; }

 private:
  CURL* curl_;
  bool ok_ = true;
};

}  // namespace

std::string UserAgent() { return std::string("postwork-webhook/") + POSTWORK_VERSION; }

WebhookSender::WebhookSender(SenderOptions options)
    : options_(std::move(options)), guard_(options_.allowlist, options_.resolver) {
  if (options_.timeout <= std::chrono::milliseconds::zero()) {
    throw std::invalid_argument("webhook timeout must be positive");
  }
  if (!options_.clock) throw std::invalid_argument("webhook sender needs a clock");
}

DeliveryResult WebhookSender::Deliver(const Endpoint& endpoint, const Event& event) const {
  if (endpoint.secret.empty()) {
    return Failure(DeliveryKind::kPermanent, "endpoint has no signing secret");
  }
  if (!IsHeaderSafe(event.id) || !IsHeaderSafe(event.type)) {
    return Failure(DeliveryKind::kPermanent, "event id/type empty or contains control characters");
  }

  std::string body;
  try {
    body = BuildEventBody(event);
  } catch (const nlohmann::json::exception&) {
    return Failure(DeliveryKind::kPermanent, "event data cannot be serialized as JSON");
  }

  GuardDecision decision = guard_.Check(endpoint.url);
  if (!decision.allowed()) {
    const DeliveryKind kind = decision.status == GuardStatus::kResolveFailed
                                  ? DeliveryKind::kRetry
                                  : DeliveryKind::kPermanent;
    spdlog::warn("webhook {}: endpoint not contacted ({}): {}", event.id, ToString(decision.status),
                 decision.reason);
    return Failure(kind, std::move(decision.reason));
  }
  const PinnedTarget& target = *decision.target;

  const std::chrono::sys_seconds timestamp = options_.clock();
  const std::string timestamp_text = std::to_string(timestamp.time_since_epoch().count());

  CurlSlist headers;
  const std::string header_lines[] = {
      "Content-Type: application/json",
      "X-Postwork-Event-Id: " + event.id,
      "X-Postwork-Timestamp: " + timestamp_text,
      "X-Postwork-Signature: " + SignatureHeader(endpoint.secret, timestamp, body),
      // Without this curl waits up to a second for "100 Continue" on larger
      // bodies, which many small receivers never send.
      "Expect:",
  };
  for (const std::string& line : header_lines) {
    if (!AppendToSlist(headers, line.c_str()))
      return Failure(DeliveryKind::kRetry, "out of memory");
  }
  CurlSlist connect_to;
  const std::string pin = target.CurlConnectTo();
  if (!AppendToSlist(connect_to, pin.c_str()))
    return Failure(DeliveryKind::kRetry, "out of memory");

  if (!EnsureCurlGlobalInit())
    return Failure(DeliveryKind::kRetry, "libcurl cannot be initialised");
  CurlEasy curl(curl_easy_init());
  if (!curl) return Failure(DeliveryKind::kRetry, "cannot create HTTP handle");

  ResponseSink sink;
  sink.cap = options_.max_response_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {};
  const std::string user_agent = UserAgent();

  Options opts(curl.get());
  opts.Set(CURLOPT_ERRORBUFFER, error_buffer)
      .Set(CURLOPT_NOSIGNAL, 1L)
      .Set(CURLOPT_URL, target.url.url.c_str())
      .Set(CURLOPT_PROTOCOLS_STR, "http,https")
      .Set(CURLOPT_FOLLOWLOCATION, 0L)
      .Set(CURLOPT_CONNECT_TO, connect_to.get())
      .Set(CURLOPT_PROXY, "")
      .Set(CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()))
      .Set(CURLOPT_POST, 1L)
      .Set(CURLOPT_POSTFIELDS, body.data())
      .Set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()))
      .Set(CURLOPT_HTTPHEADER, headers.get())
      .Set(CURLOPT_USERAGENT, user_agent.c_str())
      .Set(CURLOPT_WRITEFUNCTION, &WriteResponse)
      .Set(CURLOPT_WRITEDATA, &sink);
  if (!opts.ok()) return Failure(DeliveryKind::kRetry, "cannot configure HTTP handle");

  const auto started = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(curl.get());
  const auto elapsed = std::chrono::steady_clock::now() - started;

  DeliveryResult result;
  result.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  result.status_code = static_cast<int>(status);
  result.response_body = std::move(sink.body);
  result.response_truncated = sink.truncated;

  // Our own cap aborting the body is not a transport failure: the status
  // line and headers have already arrived.
  const bool capped = rc == CURLE_WRITE_ERROR && sink.truncated && status != 0;
  if (rc != CURLE_OK && !capped) {
    result.kind = ClassifyTransportError(rc);
    result.error = std::string(curl_easy_strerror(rc));
    if (error_buffer[0] != '\0') result.error += std::string(": ") + error_buffer;
  } else {
    result.kind = ClassifyStatus(status);
    if (result.kind != DeliveryKind::kDelivered) {
      result.error = "HTTP " + std::to_string(status);
      if (status >= 300 && status <= 399) result.error += " (redirects are not followed)";
    }
    if (result.kind == DeliveryKind::kRetry) result.retry_after = RetryAfterHeader(curl.get());
  }

  spdlog::debug("webhook {} to {} via {}: {} status={} in {} ms", event.id, target.url.host,
                target.address.ToString(), ToString(result.kind), result.status_code,
                result.latency_ms);
  return result;
}

}  // namespace postwork::webhook
