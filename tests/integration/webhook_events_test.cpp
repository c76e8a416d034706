// Webhook events end to end: handlers publish, the publisher fans out one
// queue:webhook:process job per subscribed endpoint, the webhook handler
// delivers to a real loopback receiver (allowlisted) and records each attempt.
#include <gtest/gtest.h>

#include <chrono>

#include "handlers/webhook/endpoint_store.hpp"
#include "handlers/webhook/event_publisher.hpp"
#include "support/email_fixture.hpp"
#include "support/hook_receiver.hpp"
#include "support/smtp_sink.hpp"
#include "support/worker_fixture.hpp"
#include "webhook/signer.hpp"

namespace postwork::testing {
namespace {
using namespace std::chrono_literals;
namespace hooks = handlers::webhook;
using test_support::SmtpSink;

constexpr const char* kSecret = "whsec_events_test";
const std::vector<std::string> kQueues = {"queue:email-sending", "queue:webhook:process",
                                          "queue:diagnostic"};

class WebhookEventsTest : public EmailTest {
 protected:
  void SetUp() override {
    EmailTest::SetUp();
    config_.webhook.allowlist = {"127.0.0.1"};
    config_.webhook.endpoint_cache_ttl = 0ms;
    config_.webhook.campaign_check_delay = 200ms;
    Tenant("t1");
  }
  std::string Endpoint(const std::string& url, std::vector<std::string> types,
                       const std::string& tenant = "t1") {
    return hooks::CreateEndpoint(db(), config_.email,
                                 {.tenant_id = tenant, .url = url, .secret = kSecret,
                                  .event_types = std::move(types)});
  }
  hooks::Published Publish(const std::string& type, const std::string& source,
                           const std::string& tenant = "t1") {
    auto events = app::BuildEventPublisher({.database_url = Servers().database_url,
                                            .redis_url = Servers().redis_url,
                                            .config = &config_});
    return events->Publish(tenant, type, {{"source", source}},
                           hooks::EventId(type, tenant, source));
  }
  core::WorkerOptions Options() {
    auto o = TestWorkerOptions(kQueues);
    o.retry.base_ms = 50;  // retries in 100 ms, 200 ms...
    return o;
  }
  std::string DeliveryJob(const hooks::Published& p, const std::string& endpoint) {
    return hooks::DeliveryJobId(p.event_id, endpoint);
  }
  std::vector<std::string> Outcomes(const std::string& endpoint) {
    std::vector<std::string> out;
    auto r = db().Exec(
        "SELECT outcome FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY attempt",
        {endpoint});
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.Get(i, 0));
    return out;
  }
};

TEST_F(WebhookEventsTest, AnEmailSendPostsASignedEmailSentEvent) {
  HookReceiver receiver;
  SmtpSink sink;
  std::string account = Account("t1", "ana@sender.example", sink.port());
  std::string tmpl = Template("t1", "Hi", "Hello", "<p>Hello</p>");
  std::string campaign = Campaign("t1", account, tmpl);
  std::string lead = Lead("t1", "bob@lead.example");
  std::string endpoint = Endpoint(receiver.Url("/ok"), {"email.sent"});
  std::string job = client()
                        .Enqueue("email-sending", {{"campaign_id", campaign}, {"recipient_id", lead}},
                                 {.tenant_id = "t1"})
                        .id;
  RunningWorker w(Options(), Handlers());
  ASSERT_TRUE(WaitStatus(job, "completed")) << QueryValue("SELECT last_error FROM jobs WHERE id=$1", {job});
  ASSERT_TRUE(receiver.WaitForRequests(1)) << "no webhook arrived";
  auto req = receiver.Requests().at(0);
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  EXPECT_EQ(webhook::Verify(req.signature, req.body, kSecret, now, 300s),
            webhook::VerifyResult::kValid);
  auto body = nlohmann::json::parse(req.body);
  std::string delivery = QueryValue("SELECT id FROM email_deliveries WHERE lead_id = $1", {lead});
  EXPECT_EQ(body["type"], "email.sent");
  EXPECT_EQ(body["id"], hooks::EventId("email.sent", "t1", delivery));
  EXPECT_EQ(req.event_id, body["id"]);
  EXPECT_EQ(body["data"]["delivery_id"], delivery);
  EXPECT_EQ(body["data"]["campaign_id"], campaign);
  EXPECT_EQ(body["data"]["recipient"], "bob@lead.example");
  EXPECT_EQ(body["data"]["message_id"], JobResult(job)["messageId"]);
  ASSERT_TRUE(WaitFor([&] { return Outcomes(endpoint).size() == 1; }));
  EXPECT_EQ(Outcomes(endpoint), std::vector<std::string>{"delivered"});
  EXPECT_EQ(QueryInt("SELECT status_code FROM webhook_deliveries WHERE endpoint_id = $1", {endpoint}),
            200);
}

TEST_F(WebhookEventsTest, NoSubscribedEndpointMeansNoEventAndNoJob) {
  HookReceiver receiver;
  Endpoint(receiver.Url("/ok"), {"email.bounced"});  // another type
  auto p = Publish("email.sent", "d1");
  EXPECT_EQ(p.endpoints, 0);
  EXPECT_EQ(p.enqueued, 0);
  Tenant("t2");
  EXPECT_EQ(Publish("email.sent", "d1", "t2").endpoints, 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE queue = 'queue:webhook:process'"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM webhook_events"), 0);
}

TEST_F(WebhookEventsTest, ADeliveryJobOfAnotherTenantNamingThisTenantsEndpointPostsNothing) {
  HookReceiver receiver;
  std::string endpoint = Endpoint(receiver.Url("/ok"), {"*"});
  // t1's event, stored without a fan-out (so no delivery job of t1 exists).
  std::string event_id = hooks::EventId("email.sent", "t1", "d1");
  hooks::StoreEvent(db(), "t1", event_id, "email.sent", {{"source", "d1"}});
  Tenant("t2");
  // Tenant t2 names t1's endpoint and event: neither is found in t2's scope.
  std::string forged = client()
                           .Enqueue("webhook:process",
                                    {{"event_id", event_id}, {"endpoint_id", endpoint}},
                                    {.tenant_id = "t2"})
                           .id;
  RunningWorker w(Options(), Handlers());
  ASSERT_TRUE(WaitFor([&] {
    std::string st = JobStatus(forged);
    return st == "completed" || st == "failed";
  }));
  EXPECT_TRUE(receiver.Requests().empty());
  EXPECT_EQ(QueryInt("SELECT count(*) FROM webhook_deliveries WHERE outcome = 'delivered'"), 0);
  EXPECT_EQ(QueryValue("SELECT active::text FROM webhook_endpoints WHERE id = $1", {endpoint}),
            "true");
}

TEST_F(WebhookEventsTest, PublishingTwiceEnqueuesOnceAndAWildcardEndpointGetsEveryType) {
  HookReceiver receiver;
  std::string a = Endpoint(receiver.Url("/ok"), {"email.sent"});
  std::string b = Endpoint(receiver.Url("/ok"), {"*"});
  auto first = Publish("email.sent", "d1");
  auto again = Publish("email.sent", "d1");
  EXPECT_EQ(first.endpoints, 2);
  EXPECT_EQ(first.enqueued, 2);
  EXPECT_EQ(again.enqueued, 0);
  EXPECT_EQ(first.event_id, again.event_id);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM webhook_events"), 1);
  EXPECT_EQ(JobStatus(DeliveryJob(first, a)), "queued");
  EXPECT_EQ(JobStatus(DeliveryJob(first, b)), "queued");
  EXPECT_EQ(QueryValue("SELECT tenant_id FROM jobs WHERE id = $1", {DeliveryJob(first, a)}), "t1");
}

TEST_F(WebhookEventsTest, GoneDisablesTheEndpoint) {
  HookReceiver receiver;
  std::string endpoint = Endpoint(receiver.Url("/status/410"), {"email.sent"});
  auto p = Publish("email.sent", "d1");
  RunningWorker w(Options(), Handlers());
  ASSERT_TRUE(WaitStatus(DeliveryJob(p, endpoint), "failed"));
  EXPECT_EQ(QueryValue("SELECT active::text FROM webhook_endpoints WHERE id = $1", {endpoint}),
            "false");
  EXPECT_NE(QueryValue("SELECT disabled_reason FROM webhook_endpoints WHERE id = $1", {endpoint})
                .find("410"),
            std::string::npos);
  EXPECT_EQ(Outcomes(endpoint), std::vector<std::string>{"disable"});
  // Nothing more goes to a disabled endpoint.
  EXPECT_EQ(Publish("email.sent", "d2").endpoints, 0);
}

TEST_F(WebhookEventsTest, TooManyRequestsIsRetriedAfterRetryAfter) {
  HookReceiver receiver;
  std::string endpoint = Endpoint(receiver.Url("/ratelimited"), {"email.sent"});
  auto p = Publish("email.sent", "d1");
  RunningWorker w(Options(), Handlers());
  std::string job = DeliveryJob(p, endpoint);
  ASSERT_TRUE(WaitStatus(job, "retry_scheduled"));
  // Retry-After: 3600 wins over the 100 ms backoff.
  EXPECT_GT(QueryInt("SELECT extract(epoch FROM run_at - now())::bigint FROM jobs WHERE id = $1",
                     {job}),
            3500);
  EXPECT_EQ(Outcomes(endpoint), std::vector<std::string>{"retry"});
  EXPECT_EQ(QueryInt("SELECT status_code FROM webhook_deliveries WHERE endpoint_id = $1", {endpoint}),
            429);
}

TEST_F(WebhookEventsTest, ServerErrorsAreRetriedUntilDelivered) {
  HookReceiver receiver;
  std::string endpoint = Endpoint(receiver.Url("/flaky/2"), {"email.sent"});
  auto p = Publish("email.sent", "d1");
  RunningWorker w(Options(), Handlers());
  ASSERT_TRUE(WaitStatus(DeliveryJob(p, endpoint), "completed"));
  EXPECT_EQ(Outcomes(endpoint), (std::vector<std::string>{"retry", "retry", "delivered"}));
  auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].event_id, requests[2].event_id);  // one id on every retry
}

TEST_F(WebhookEventsTest, OtherClientErrorsArePermanent) {
  HookReceiver receiver;
  std::string endpoint = Endpoint(receiver.Url("/status/404"), {"email.sent"});
  auto p = Publish("email.sent", "d1");
  RunningWorker w(Options(), Handlers());
  ASSERT_TRUE(WaitStatus(DeliveryJob(p, endpoint), "failed"));
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {DeliveryJob(p, endpoint)}), 1);
  EXPECT_EQ(Outcomes(endpoint), std::vector<std::string>{"permanent"});
  EXPECT_EQ(QueryValue("SELECT active::text FROM webhook_endpoints WHERE id = $1", {endpoint}),
            "true");
}

TEST_F(WebhookEventsTest, LoopbackWithoutTheAllowlistIsRefusedAndRecorded) {
  HookReceiver receiver;
  config_.webhook.allowlist.clear();
  std::string endpoint = Endpoint(receiver.Url("/ok"), {"email.sent"});
  auto p = Publish("email.sent", "d1");
  RunningWorker w(Options(), Handlers());
  std::string job = DeliveryJob(p, endpoint);
  ASSERT_TRUE(WaitStatus(job, "failed"));
  std::string error = QueryValue("SELECT last_error FROM jobs WHERE id = $1", {job});
  EXPECT_NE(error.find("refused"), std::string::npos) << error;
  EXPECT_EQ(Outcomes(endpoint), std::vector<std::string>{"permanent"});
  EXPECT_EQ(QueryValue("SELECT coalesce(status_code::text, 'null') FROM webhook_deliveries "
                       "WHERE endpoint_id = $1",
                       {endpoint}),
            "null");
  EXPECT_TRUE(receiver.Requests().empty());
}

TEST_F(WebhookEventsTest, AnEndpointDisabledAfterTheFanOutIsSkipped) {
  HookReceiver receiver;
  std::string endpoint = Endpoint(receiver.Url("/ok"), {"email.sent"});
  auto p = Publish("email.sent", "d1");
  db().Exec("UPDATE webhook_endpoints SET active = false WHERE id = $1", {endpoint});
  RunningWorker w(Options(), Handlers());
  std::string job = DeliveryJob(p, endpoint);
  ASSERT_TRUE(WaitStatus(job, "completed"));
  EXPECT_EQ(JobResult(job)["skipped"], true);
  EXPECT_EQ(Outcomes(endpoint), std::vector<std::string>{"skipped"});
  EXPECT_TRUE(receiver.Requests().empty());
}

TEST_F(WebhookEventsTest, ADeadLetteredTenantJobPublishesJobDead) {
  HookReceiver receiver;
  std::string endpoint = Endpoint(receiver.Url("/ok"), {"job.dead"});
  std::string job = client()
                        .Enqueue("queue:diagnostic", {{"fail_attempts", 1}, {"permanent", true}},
                                 {.tenant_id = "t1"})
                        .id;
  std::string untenanted =
      client().Enqueue("queue:diagnostic", {{"fail_attempts", 1}, {"permanent", true}}).id;
  RunningWorker w(Options(), Handlers());
  ASSERT_TRUE(WaitStatus(job, "failed"));
  ASSERT_TRUE(WaitStatus(untenanted, "failed"));
  ASSERT_TRUE(receiver.WaitForRequests(1));
  auto body = nlohmann::json::parse(receiver.Requests().at(0).body);
  EXPECT_EQ(body["type"], "job.dead");
  EXPECT_EQ(body["data"]["job_id"], job);
  EXPECT_EQ(body["data"]["queue"], "queue:diagnostic");
  EXPECT_NE(body["data"]["error"].get<std::string>().find("failing attempt"), std::string::npos);
  // One event: the job without a tenant has no one to tell.
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt("SELECT count(*) FROM jobs WHERE queue = 'queue:webhook:process' AND "
                    "status = 'completed'") == 1;
  }));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM webhook_events"), 1);
}

TEST_F(WebhookEventsTest, ADeadWebhookDeliveryPublishesNoJobDead) {
  HookReceiver receiver;
  std::string endpoint = Endpoint(receiver.Url("/status/400"), {"*"});
  auto p = Publish("email.sent", "d1");
  RunningWorker w(Options(), Handlers());
  ASSERT_TRUE(WaitStatus(DeliveryJob(p, endpoint), "failed"));
  // The failure was recorded in PostgreSQL before the listener ran; no new event follows it.
  ASSERT_TRUE(WaitFor([&] { return Outcomes(endpoint).size() == 1; }));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM webhook_events WHERE type = 'job.dead'"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE queue = 'queue:webhook:process'"), 1);
}

TEST_F(WebhookEventsTest, ACampaignsLastSendPublishesCampaignCompletedOnce) {
  HookReceiver receiver;
  SmtpSink sink;
  std::string account = Account("t1", "ana@sender.example", sink.port());
  std::string tmpl = Template("t1", "Hi", "Hello", "<p>Hello</p>");
  std::string campaign = Campaign("t1", account, tmpl);
  Endpoint(receiver.Url("/ok"), {"campaign.completed"});
  std::vector<std::string> jobs;
  for (int i = 0; i < 4; ++i) {
    std::string lead = Lead("t1", "lead" + std::to_string(i) + "@lead.example");
    jobs.push_back(client()
                       .Enqueue("email-sending", {{"campaign_id", campaign}, {"recipient_id", lead}},
                                {.tenant_id = "t1"})
                       .id);
  }
  RunningWorker w(Options(), Handlers());
  for (const auto& j : jobs) ASSERT_TRUE(WaitStatus(j, "completed"));
  ASSERT_TRUE(receiver.WaitForRequests(1));
  // Every check that was asked for has run: still one event.
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt("SELECT count(*) FROM jobs WHERE id LIKE 'campaign-check:%' AND status <> "
                    "'completed'") == 0 &&
           QueryInt("SELECT count(*) FROM jobs WHERE queue = 'queue:webhook:process' AND status "
                    "<> 'completed'") == 0;
  }));
  auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  auto body = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(body["type"], "campaign.completed");
  EXPECT_EQ(body["data"]["campaign_id"], campaign);
  EXPECT_EQ(body["data"]["metrics"]["sent"], 4);
}

}  // namespace
}  // namespace postwork::testing
