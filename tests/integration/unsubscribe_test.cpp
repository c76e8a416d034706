// One-click unsubscribe end to end: the token from a message a real SMTP
// server received, POSTed to the real unsubscribe listener.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>

#include "core/clock.hpp"
#include "handlers/email_common/unsubscribe_token.hpp"
#include "handlers/webhook/endpoint_store.hpp"
#include "http/unsubscribe_server.hpp"
#include "mail/mime_parser.hpp"
#include "support/email_fixture.hpp"
#include "support/smtp_sink.hpp"
#include "support/worker_fixture.hpp"

namespace postwork::testing {
namespace {
using namespace std::chrono_literals;
using test_support::SmtpSink;

class UnsubscribeTest : public EmailTest {
 protected:
  void SetUp() override {
    EmailTest::SetUp();
    config_.webhook.endpoint_cache_ttl = 0ms;
    Tenant("t1");
  }
  std::unique_ptr<http::UnsubscribeServer> Server() {
    return std::make_unique<http::UnsubscribeServer>(http::UnsubscribeServerOptions{
        .listen = "127.0.0.1:0",
        .database_url = Servers().database_url,
        .redis_url = Servers().redis_url,
        .email = config_.email,
        .events = app::BuildEventPublisher({.database_url = Servers().database_url,
                                            .redis_url = Servers().redis_url,
                                            .config = &config_})});
  }
};

TEST_F(UnsubscribeTest, TheLinkInASentMessageUnsubscribesOnceAndCancelsPendingSends) {
  SmtpSink sink;
  std::string account = Account("t1", "ana@sender.example", sink.port());
  std::string campaign = Campaign("t1", account, Template("t1", "Hi", "Hello", "<p>Hello</p>"));
  std::string lead = Lead("t1", "Bob@Lead.example");
  handlers::webhook::CreateEndpoint(db(), config_.email,
                                    {.tenant_id = "t1",
                                     .url = "https://hooks.example.test/h",
                                     .secret = "s",
                                     .event_types = {"email.unsubscribed"}});
  std::string first = client()
                          .Enqueue("email-sending", {{"campaign_id", campaign}, {"recipient_id", lead}},
                                   {.tenant_id = "t1"})
                          .id;
  std::string later =
      client()
          .Enqueue("email-sending",
                   {{"campaign_id", campaign}, {"recipient_id", lead}, {"step", 2}},
                   {.run_at_ms = core::SystemClock::Instance().NowMs() + 3'600'000, .tenant_id = "t1"})
          .id;
  {
    RunningWorker w(TestWorkerOptions({"queue:email-sending"}), Handlers());
    ASSERT_TRUE(WaitStatus(first, "completed"));
  }
  ASSERT_TRUE(sink.WaitForMessages(1, 10s));
  auto header = mail::ParseMessage(sink.Messages().at(0)).FindHeader("List-Unsubscribe").value_or("");
  ASSERT_EQ(header.rfind("<https://unsub.example.test/u?token=", 0), 0u) << header;
  std::string token = header.substr(header.find("token=") + 6);
  token.pop_back();

  auto server = Server();
  EXPECT_EQ(server->path(), "/u");
  httplib::Client http("127.0.0.1", server->port());
  // The confirmation page changes nothing.
  auto page = http.Get("/u?token=" + token);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<form method=\"post\">"), std::string::npos);
  EXPECT_EQ(QueryValue("SELECT status FROM leads WHERE id = $1", {lead}), "active");

  // RFC 8058 one-click, twice.
  for (int i = 0; i < 2; ++i) {
    auto res = http.Post("/u?token=" + token, "List-Unsubscribe=One-Click",
                         "application/x-www-form-urlencoded");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
  }
  EXPECT_EQ(QueryValue("SELECT status FROM leads WHERE id = $1", {lead}), "unsubscribed");
  EXPECT_EQ(QueryValue("SELECT reason FROM suppressions WHERE tenant_id = 't1' AND email = "
                       "'bob@lead.example'"),
            "unsubscribe");
  EXPECT_EQ(QueryValue("SELECT campaign_id FROM suppressions WHERE tenant_id = 't1'"), campaign);
  EXPECT_EQ(JobStatus(later), "cancelled");
  EXPECT_EQ(Metric(campaign, "unsubscribes"), 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM webhook_events WHERE type = 'email.unsubscribed'"), 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE queue = 'queue:webhook:process'"), 1);
  EXPECT_EQ(QueryValue("SELECT data->>'email' FROM webhook_events"), "bob@lead.example");

  // The path form works too.
  auto by_path = http.Post("/u/" + token, "", "text/plain");
  ASSERT_TRUE(by_path);
  EXPECT_EQ(by_path->status, 200);
  EXPECT_EQ(Metric(campaign, "unsubscribes"), 1);
}

TEST_F(UnsubscribeTest, AForgedOrMalformedTokenIsA400ThatSaysNothingMore) {
  std::string lead = Lead("t1", "eve@lead.example");
  auto server = Server();
  httplib::Client http("127.0.0.1", server->port());
  std::string forged = handlers::email::SignUnsubscribeToken(
      "not-the-secret", {.tenant_id = "t1", .lead_id = lead, .campaign_id = ""});
  for (const std::string& path : {"/u?token=" + forged, std::string("/u?token=garbage"),
                                  std::string("/u"), "/u/" + forged}) {
    auto res = http.Post(path, "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded");
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 400) << path;
    EXPECT_NE(res->body.find("This unsubscribe link is not valid."), std::string::npos);
    EXPECT_EQ(res->body.find("signature"), std::string::npos);
    auto get = http.Get(path);
    ASSERT_TRUE(get);
    EXPECT_EQ(get->status, 400);
  }
  EXPECT_EQ(QueryValue("SELECT status FROM leads WHERE id = $1", {lead}), "active");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM suppressions"), 0);
}

}  // namespace
}  // namespace postwork::testing
