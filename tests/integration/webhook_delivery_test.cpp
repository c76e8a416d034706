// End-to-end delivery against a real HTTP receiver on loopback. The receiver
// runs in-process (cpp-httplib on a free port), so this test needs no
// external services. Loopback is refused by the SSRF guard by default, so
// every sender that is meant to reach the receiver allowlists 127.0.0.1.

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/delivery.hpp"
#include "webhook/signer.hpp"

namespace postwork::webhook {
namespace {

using namespace std::chrono_literals;

constexpr char kSecret[] = "whsec_integration_secret";
const std::chrono::sys_seconds kFixedNow{std::chrono::seconds{1700000000}};

struct SeenRequest {
  std::string path;
  std::string body;
  std::string host;
  std::string content_type;
  std::string user_agent;
  std::string event_id;
  std::string timestamp;
  std::string signature;
  std::string expect;
};

class Receiver {
 public:
  Receiver() {
    server_.Post(R"(/status/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.status = std::stoi(req.matches[1].str());
      res.set_content("receiver says " + req.matches[1].str(), "text/plain");
    });
    server_.Post("/ratelimited", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.status = 429;
      res.set_header("Retry-After", "7");
    });
    server_.Post("/unavailable-until", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.status = 503;
      res.set_header("Retry-After", HttpDate(std::chrono::system_clock::now() + 120s));
    });
    server_.Post("/redirect", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.set_redirect("/redirect-target", 302);
    });
    const auto target = [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.status = 200;
    };
    server_.Post("/redirect-target", target);
    server_.Get("/redirect-target", target);
    server_.Post("/big", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.set_content(std::string(1 << 20, 'x'), "text/plain");
    });
    server_.Post("/slow", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      std::unique_lock lock(mutex_);
      // Bounded so a broken test cannot hang the receiver forever.
      changed_.wait_for(lock, 30s, [this] { return released_; });
      res.status = 200;
    });

    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("cannot bind receiver");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Connections would queue on the bound socket anyway, but httplib's stop()
    // is a no-op until the accept loop is running, so a receiver destroyed
    // too early would never stop. This httplib has no wait_until_ready().
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!server_.is_running()) {
      if (std::chrono::steady_clock::now() > deadline) std::abort();
      std::this_thread::yield();
    }
  }

  ~Receiver() {
    Release();
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  std::vector<SeenRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t CountPath(const std::string& path) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const SeenRequest& r : requests_) n += r.path == path ? 1 : 0;
    return n;
  }
  bool WaitForRequests(std::size_t count, std::chrono::seconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  }
  void Release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
  }

 private:
  static std::string HttpDate(std::chrono::system_clock::time_point when) {
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[64];
    std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buffer;
  }

  void Record(const httplib::Request& req) {
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(SeenRequest{
          req.path, req.body, req.get_header_value("Host"), req.get_header_value("Content-Type"),
          req.get_header_value("User-Agent"), req.get_header_value("X-Postwork-Event-Id"),
          req.get_header_value("X-Postwork-Timestamp"),
          req.get_header_value("X-Postwork-Signature"), req.get_header_value("Expect")});
    }
    changed_.notify_all();
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<SeenRequest> requests_;
  bool released_ = false;
};

SenderOptions LoopbackOptions() {
  SenderOptions options;
  options.allowlist = SsrfAllowlist::Parse({"127.0.0.1"});
  options.clock = [] { return kFixedNow; };
  return options;
}

Event SampleEvent() {
  Event event;
  event.id = "evt_0001";
  event.type = "email.bounced";
  event.time = std::chrono::system_clock::time_point{std::chrono::seconds{1699999990}};
  event.data = {{"message_id", "msg_42"}, {"recipient", "r\xc3\xa9mi@example.com"}};
  return event;
}

class WebhookDelivery : public ::testing::Test {
 protected:
  DeliveryResult Deliver(const std::string& path, SenderOptions options = LoopbackOptions()) {
    return WebhookSender(std::move(options)).Deliver({receiver_.Url(path), kSecret}, SampleEvent());
  }
  Receiver receiver_;
};

TEST_F(WebhookDelivery, Delivers2xxWithVerifiableSignatureAndHeaders) {
  const DeliveryResult result = Deliver("/status/200");
  EXPECT_EQ(result.kind, DeliveryKind::kDelivered) << result.error;
  EXPECT_EQ(result.status_code, 200);
  EXPECT_TRUE(result.error.empty());
  EXPECT_GE(result.latency_ms, 0);
  EXPECT_EQ(result.response_body, "receiver says 200");
  EXPECT_FALSE(result.response_truncated);

  const std::vector<SeenRequest> seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 1u);
  const SeenRequest& r = seen.front();
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.user_agent, UserAgent());
  EXPECT_EQ(r.event_id, "evt_0001");
  EXPECT_EQ(r.timestamp, "1700000000");
  EXPECT_EQ(r.expect, "");
  EXPECT_EQ(r.signature.rfind("t=1700000000,v1=", 0), 0u) << r.signature;

  // What a receiver does: verify the raw body against the header.
  EXPECT_EQ(Verify(r.signature, r.body, kSecret, kFixedNow + 5s, 300s), VerifyResult::kValid);
  EXPECT_EQ(Verify(r.signature, r.body, "wrong-secret", kFixedNow, 300s), VerifyResult::kMismatch);
  EXPECT_EQ(Verify(r.signature, r.body, kSecret, kFixedNow + 1h, 300s), VerifyResult::kStale);

  const nlohmann::json body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["id"], "evt_0001");
  EXPECT_EQ(body["type"], "email.bounced");
  EXPECT_EQ(body["created_at"], "2023-11-14T22:13:10Z");
  EXPECT_EQ(body["data"]["message_id"], "msg_42");
  EXPECT_EQ(body["data"]["recipient"], "r\xc3\xa9mi@example.com");
  EXPECT_EQ(r.body, BuildEventBody(SampleEvent()));
}

TEST_F(WebhookDelivery, ServerErrorIsRetried) {
  const DeliveryResult result = Deliver("/status/500");
  EXPECT_EQ(result.kind, DeliveryKind::kRetry);
  EXPECT_EQ(result.status_code, 500);
  EXPECT_EQ(result.error, "HTTP 500");
  EXPECT_FALSE(result.retry_after);
  EXPECT_EQ(receiver_.CountPath("/status/500"), 1u);
}

TEST_F(WebhookDelivery, RequestTimeoutStatusIsRetried) {
  const DeliveryResult result = Deliver("/status/408");
  EXPECT_EQ(result.kind, DeliveryKind::kRetry);
  EXPECT_EQ(result.status_code, 408);
}

TEST_F(WebhookDelivery, TooManyRequestsHonoursRetryAfterSeconds) {
  const DeliveryResult result = Deliver("/ratelimited");
  EXPECT_EQ(result.kind, DeliveryKind::kRetry);
  EXPECT_EQ(result.status_code, 429);
  ASSERT_TRUE(result.retry_after);
  EXPECT_EQ(*result.retry_after, 7s);
}

TEST_F(WebhookDelivery, RetryAfterHttpDate) {
  const DeliveryResult result = Deliver("/unavailable-until");
  EXPECT_EQ(result.kind, DeliveryKind::kRetry);
  EXPECT_EQ(result.status_code, 503);
  ASSERT_TRUE(result.retry_after);
  // The date has one-second resolution and a little time passes in between.
  EXPECT_GE(*result.retry_after, 115s);
  EXPECT_LE(*result.retry_after, 120s);
}

TEST_F(WebhookDelivery, GoneDisablesEndpoint) {
  const DeliveryResult result = Deliver("/status/410");
  EXPECT_EQ(result.kind, DeliveryKind::kDisable);
  EXPECT_EQ(result.status_code, 410);
}

TEST_F(WebhookDelivery, NotFoundIsPermanent) {
  const DeliveryResult result = Deliver("/status/404");
  EXPECT_EQ(result.kind, DeliveryKind::kPermanent);
  EXPECT_EQ(result.status_code, 404);
  EXPECT_FALSE(result.retry_after);
}

TEST_F(WebhookDelivery, RedirectIsPermanentAndNotFollowed) {
  const DeliveryResult result = Deliver("/redirect");
  EXPECT_EQ(result.kind, DeliveryKind::kPermanent);
  EXPECT_EQ(result.status_code, 302);
  EXPECT_NE(result.error.find("redirects are not followed"), std::string::npos);
  // Deliver is synchronous: had curl followed the redirect, the target would
  // have been hit before it returned.
  EXPECT_EQ(receiver_.CountPath("/redirect"), 1u);
  EXPECT_EQ(receiver_.CountPath("/redirect-target"), 0u);
}

TEST_F(WebhookDelivery, SlowReceiverTimesOutAndIsRetried) {
  SenderOptions options = LoopbackOptions();
  options.timeout = 300ms;
  const DeliveryResult result = Deliver("/slow", std::move(options));
  EXPECT_EQ(result.kind, DeliveryKind::kRetry);
  EXPECT_EQ(result.status_code, 0);
  EXPECT_NE(result.error.find("imeout"), std::string::npos) << result.error;
  // curl's timer has millisecond granularity and may fire a hair early; the
  // point is that it waited for the timeout rather than failing at once.
  EXPECT_GE(result.latency_ms, 250);
  EXPECT_LT(result.latency_ms, 5000);
  // The request did reach the receiver; it was the response that was late.
  EXPECT_TRUE(receiver_.WaitForRequests(1, 5s));
  EXPECT_EQ(receiver_.CountPath("/slow"), 1u);
  receiver_.Release();
}

TEST_F(WebhookDelivery, ResponseBodyIsCapped) {
  SenderOptions options = LoopbackOptions();
  options.max_response_bytes = 1024;
  const DeliveryResult result = Deliver("/big", std::move(options));
  EXPECT_EQ(result.kind, DeliveryKind::kDelivered) << result.error;
  EXPECT_EQ(result.status_code, 200);
  EXPECT_EQ(result.response_body, std::string(1024, 'x'));
  EXPECT_TRUE(result.response_truncated);
}

TEST_F(WebhookDelivery, SsrfGuardRefusesLoopbackUnlessAllowlisted) {
  SenderOptions options = LoopbackOptions();
  options.allowlist = SsrfAllowlist{};
  const DeliveryResult refused = Deliver("/status/200", std::move(options));
  EXPECT_EQ(refused.kind, DeliveryKind::kPermanent);
  EXPECT_EQ(refused.status_code, 0);
  EXPECT_NE(refused.error.find("loopback address 127.0.0.1"), std::string::npos) << refused.error;
  EXPECT_TRUE(receiver_.requests().empty());

  // The same receiver is reachable once allowlisted, so the refusal above
  // came from the guard and not from a dead server.
  const DeliveryResult allowed = Deliver("/status/200");
  EXPECT_EQ(allowed.kind, DeliveryKind::kDelivered) << allowed.error;
  EXPECT_EQ(receiver_.requests().size(), 1u);
}

TEST_F(WebhookDelivery, OddLoopbackSpellingsAreRefused) {
  const WebhookSender sender;  // empty allowlist, real resolver
  const std::string port = std::to_string(receiver_.port());
  for (const char* host : {"2130706433", "0x7f.1", "0177.0.0.1", "127.1", "[::ffff:127.0.0.1]",
                                 "localhost"}) {
    const DeliveryResult result =
        sender.Deliver({std::string("http://") + host + ":" + port + "/status/200", kSecret}, SampleEvent());
    EXPECT_EQ(result.kind, DeliveryKind::kPermanent) << host << ": " << result.error;
  }
  EXPECT_TRUE(receiver_.requests().empty());
}

TEST_F(WebhookDelivery, ConnectionIsPinnedToTheApprovedAddress) {
  // "receiver.test" exists only in the guard's resolver. curl can reach the
  // receiver only by connecting to the pinned address, never by resolving
  // the name itself, which is what defeats DNS rebinding.
  SenderOptions options = LoopbackOptions();
  options.resolver = [](const std::string& host) {
    if (host != "receiver.test") return ResolveResult{{}, "unknown host"};
    return ResolveResult{{IpAddress::V4(127, 0, 0, 1)}, {}};
  };
  const std::string url = "http://receiver.test:" + std::to_string(receiver_.port()) + "/status/202";
  const DeliveryResult result = WebhookSender(std::move(options)).Deliver({url, kSecret}, SampleEvent());
  EXPECT_EQ(result.kind, DeliveryKind::kDelivered) << result.error;
  EXPECT_EQ(result.status_code, 202);
  const std::vector<SeenRequest> seen = receiver_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen.front().host, "receiver.test:" + std::to_string(receiver_.port()));
}

TEST_F(WebhookDelivery, EnvironmentProxyIsIgnored) {
  // A proxy would resolve the host itself and bypass the pinning.
  ::setenv("http_proxy", "http://127.0.0.1:1", 1);
  ::setenv("HTTP_PROXY", "http://127.0.0.1:1", 1);
  const DeliveryResult result = Deliver("/status/200");
  ::unsetenv("http_proxy");
  ::unsetenv("HTTP_PROXY");
  EXPECT_EQ(result.kind, DeliveryKind::kDelivered) << result.error;
  EXPECT_EQ(receiver_.requests().size(), 1u);
}

TEST_F(WebhookDelivery, ConnectionRefusedIsRetried) {
  int closed_port = 0;
  {
    Receiver gone;
    closed_port = gone.port();
  }
  const DeliveryResult result =
      WebhookSender(LoopbackOptions())
          .Deliver({"http://127.0.0.1:" + std::to_string(closed_port) + "/", kSecret}, SampleEvent());
  EXPECT_EQ(result.kind, DeliveryKind::kRetry);
  EXPECT_EQ(result.status_code, 0);
  EXPECT_FALSE(result.error.empty());
}

TEST_F(WebhookDelivery, HeaderInjectionAndMissingSecretAreRefusedBeforeSending) {
  const WebhookSender sender(LoopbackOptions());
  Event evil = SampleEvent();
  evil.id = "evt_1\r\nX-Injected: yes";
  const DeliveryResult injected = sender.Deliver({receiver_.Url("/status/200"), kSecret}, evil);
  EXPECT_EQ(injected.kind, DeliveryKind::kPermanent);

  const DeliveryResult unsigned_result =
      sender.Deliver({receiver_.Url("/status/200"), ""}, SampleEvent());
  EXPECT_EQ(unsigned_result.kind, DeliveryKind::kPermanent);
  EXPECT_TRUE(receiver_.requests().empty());
}

TEST_F(WebhookDelivery, ErrorsNeverContainTheSecret) {
  SenderOptions options = LoopbackOptions();
  options.allowlist = SsrfAllowlist{};
  for (const char* path : {"/status/500", "/status/404", "/redirect"}) {
    const DeliveryResult refused = Deliver(path, options);
    EXPECT_EQ(refused.error.find(kSecret), std::string::npos);
    const DeliveryResult sent = Deliver(path);
    EXPECT_FALSE(sent.error.empty());
    EXPECT_EQ(sent.error.find(kSecret), std::string::npos);
  }
}

}  // namespace
}  // namespace postwork::webhook
