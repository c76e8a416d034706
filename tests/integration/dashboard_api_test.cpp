// The dashboard's JSON API and its security rules against real servers.
#include <gtest/gtest.h>
#include <httplib.h>

#include "core/clock.hpp"
#include "handlers/diagnostic/diagnostic_handler.hpp"
#include "http/dashboard_server.hpp"
#include "postwork/client.hpp"
#include "postwork/error.hpp"
#include "support/test_env.hpp"
#include "support/worker_fixture.hpp"

namespace postwork::testing {
namespace {

constexpr const char* kToken = "test-token-123";

core::HandlerRegistry Diagnostic() {
  core::HandlerRegistry r;
  r.Register("diagnostic", handlers::RunDiagnostic);
  return r;
}

class DashboardApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ResetState();
    server_ = std::make_unique<http::DashboardServer>(
        http::DashboardOptions{.listen = "127.0.0.1:0",
                               .token = kToken,
                               .redis_url = Servers().redis_url,
                               .database_url = Servers().database_url});
    http_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  Client& client() {
    static Client c(
        ClientOptions{.redis_url = Servers().redis_url, .database_url = Servers().database_url});
    return c;
  }
  nlohmann::json Get(const std::string& path, int want = 200) {
    auto res = http_->Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return {};
    EXPECT_EQ(res->status, want) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << path;
    return nlohmann::json::parse(res->body);
  }
  // method POST or DELETE, with or without the token.
  std::pair<int, nlohmann::json> Act(const std::string& method, const std::string& path,
                                     const std::string& token = kToken) {
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    auto res = method == "DELETE" ? http_->Delete(path, h) : http_->Post(path, h, "", "text/plain");
    EXPECT_TRUE(res) << path;
    if (!res) return {0, {}};
    return {res->status, nlohmann::json::parse(res->body)};
  }
  std::string Status(const std::string& id) {
    return QueryValue("SELECT status FROM jobs WHERE id = $1", {id});
  }
  std::string DeadJob(RunningWorker&, const nlohmann::json& extra = nlohmann::json::object()) {
    nlohmann::json payload = {{"fail_attempts", 1}, {"permanent", true}};
    payload.update(extra);
    auto id = client().Enqueue("diagnostic", payload).id;
    EXPECT_TRUE(WaitFor([&] { return Status(id) == "failed"; }));
    return id;
  }

  std::unique_ptr<http::DashboardServer> server_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(DashboardApiTest, ReadEndpointsServeTheEnginesState) {
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Diagnostic());
  std::vector<nlohmann::json> ok(5, nlohmann::json{{"sleep_ms", 1}});
  client().EnqueueMany("diagnostic", ok, {.tenant_id = "tenant-7"});
  auto dead = DeadJob(w);
  ASSERT_TRUE(
      WaitFor([&] { return QueryInt("SELECT count(*) FROM jobs WHERE status='completed'") == 5; }));
  client().EnqueueMany("webhook:process", std::vector<nlohmann::json>(2, nlohmann::json::object()));

  auto overview = Get("/api/overview");
  EXPECT_EQ(overview["processed_1h"], 5);
  EXPECT_EQ(overview["failed_1h"], 1);
  EXPECT_EQ(overview["dead"], 1);
  EXPECT_EQ(overview["ready"], 2);
  ASSERT_TRUE(WaitFor([&] { return Get("/api/overview")["workers"] == 1; }));

  auto queues = Get("/api/queues");
  bool saw_diag = false, saw_webhook = false;
  for (const auto& q : queues) {
    if (q["queue"] == "queue:diagnostic") {
      saw_diag = true;
      EXPECT_EQ(q["processed_1m"], 5);
      EXPECT_EQ(q["dead"], 1);
    }
    if (q["queue"] == "queue:webhook:process") {
      saw_webhook = true;
      EXPECT_EQ(q["ready"], 2);
      EXPECT_GE(q["oldest_ready_age_s"].get<double>(), 0.0);
    }
  }
  EXPECT_TRUE(saw_diag && saw_webhook);

  ASSERT_TRUE(WaitFor([&] { return Get("/api/workers").size() == 1; }));
  EXPECT_EQ(Get("/api/workers")[0]["worker_id"], w.worker().id());

  auto tenant = Get("/api/jobs?tenant=tenant-7&limit=3");
  EXPECT_EQ(tenant.size(), 3u);
  for (const auto& j : tenant) EXPECT_EQ(j["tenant_id"], "tenant-7");
  auto failed = Get("/api/jobs?queue=diagnostic&status=failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["id"], dead);

  auto detail = Get("/api/jobs/" + dead);
  EXPECT_EQ(detail["status"], "failed");
  EXPECT_EQ(detail["executions"].size(), 1u);
  EXPECT_EQ(detail["executions"][0]["status"], "failed");
  EXPECT_EQ(detail["redis"]["status"], "failed");
  EXPECT_FALSE(detail["redis"].contains("envelope"));
  Get("/api/jobs/no-such-job", 404);

  auto history = Get("/api/stats/history?window=15m");
  EXPECT_EQ(history["processed"].size(), 900u);
  EXPECT_EQ(history["step_seconds"], 1);
  int64_t sum = 0;
  for (const auto& v : history["processed"]) sum += v.get<int64_t>();
  EXPECT_EQ(sum, 5);
  auto day = Get("/api/stats/history?window=24h&queue=diagnostic");
  EXPECT_EQ(day["processed"].size(), 1440u);
  EXPECT_EQ(day["step_seconds"], 60);
  int64_t dead_sum = 0;
  for (const auto& v : day["dead"]) dead_sum += v.get<int64_t>();
  EXPECT_EQ(dead_sum, 1);
  auto other = Get("/api/stats/history?window=24h&queue=webhook:process");
  for (const auto& v : other["processed"]) EXPECT_EQ(v, 0);
}

TEST_F(DashboardApiTest, BadParametersAre400UnknownPaths404) {
  Get("/api/jobs?status=bogus", 400);
  Get("/api/jobs?limit=0", 400);
  Get("/api/jobs?limit=abc", 400);
  Get("/api/jobs?queue=bad%20queue", 400);
  Get("/api/stats/history?window=7y", 400);
  Get("/api/nothing-here", 404);
}

TEST_F(DashboardApiTest, ActionsNeedTheTokenInAHeader) {
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Diagnostic());
  auto dead = DeadJob(w);
  for (const std::string& token : {std::string(""), std::string("wrong")}) {
    EXPECT_EQ(Act("POST", "/api/jobs/" + dead + "/retry", token).first, 401);
    EXPECT_EQ(Act("POST", "/api/dlq/retry-all", token).first, 401);
    EXPECT_EQ(Act("DELETE", "/api/jobs/" + dead, token).first, 401);
    EXPECT_EQ(Act("POST", "/api/jobs/" + dead + "/cancel", token).first, 401);
  }
  // A cookie is no token (no CSRF through a logged-in browser).
  auto res = http_->Post("/api/dlq/retry-all", {{"Cookie", std::string("token=") + kToken}}, "",
                         "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(Status(dead), "failed");  // nothing changed

  // Cross-origin reads via DNS rebinding are refused.
  auto rebound = http_->Get("/api/overview", {{"Host", "attacker.example:8080"}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);
}

TEST_F(DashboardApiTest, WithoutAConfiguredTokenTheDashboardIsReadOnly) {
  http::DashboardServer read_only({.listen = "127.0.0.1:0",
                                   .token = "",
                                   .redis_url = Servers().redis_url,
                                   .database_url = Servers().database_url});
  httplib::Client c("127.0.0.1", read_only.port());
  auto res = c.Post("/api/dlq/retry-all", {{"Authorization", "Bearer "}}, "", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_NE(res->body.find("POSTWORK_DASHBOARD_TOKEN"), std::string::npos);
  EXPECT_EQ(c.Get("/api/overview")->status, 200);
}

TEST_F(DashboardApiTest, OffLoopbackEveryRequestNeedsTheToken) {
  EXPECT_THROW(http::DashboardServer({.listen = "0.0.0.0:0",
                                      .token = "",
                                      .redis_url = Servers().redis_url,
                                      .database_url = Servers().database_url}),
               ConfigError);
  http::DashboardServer exposed({.listen = "0.0.0.0:0",
                                 .token = kToken,
                                 .redis_url = Servers().redis_url,
                                 .database_url = Servers().database_url});
  httplib::Client c("127.0.0.1", exposed.port());
  EXPECT_EQ(c.Get("/api/overview")->status, 401);
  EXPECT_EQ(c.Get("/api/overview", {{"Authorization", std::string("Bearer ") + kToken}})->status,
            200);
  EXPECT_EQ(c.Get("/")->status, 200);  // the page itself holds no data
}

TEST_F(DashboardApiTest, RetryCancelDeleteAndRetryAll) {
  auto opts = TestWorkerOptions({"queue:diagnostic"});
  RunningWorker w(opts, Diagnostic());
  auto dead = DeadJob(w);

  auto [code, body] = Act("POST", "/api/jobs/" + dead + "/retry");
  EXPECT_EQ(code, 200) << body;
  EXPECT_EQ(body["requeued"][0], dead);
  // It runs again (and fails again, as its payload asks): a second execution.
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt("SELECT count(*) FROM job_executions WHERE job_id = $1", {dead}) == 2 &&
           Status(dead) == "failed";
  }));
  EXPECT_EQ(Act("POST", "/api/jobs/no-such/retry").first, 404);

  auto done = client().Enqueue("diagnostic", {}).id;
  ASSERT_TRUE(WaitFor([&] { return Status(done) == "completed"; }));
  EXPECT_EQ(Act("POST", "/api/jobs/" + done + "/retry").first, 409);
  EXPECT_EQ(Act("POST", "/api/jobs/" + done + "/cancel").first, 409);

  auto later =
      client()
          .Enqueue("diagnostic", {}, {.run_at_ms = core::SystemClock::Instance().NowMs() + 3600000})
          .id;
  EXPECT_EQ(Act("DELETE", "/api/jobs/" + later).first, 409);  // live: cancel first
  EXPECT_EQ(Act("POST", "/api/jobs/" + later + "/cancel").first, 200);
  EXPECT_EQ(Status(later), "cancelled");
  EXPECT_TRUE(Redis().Command({"ZSCORE", "pw:scheduled", later}).is_nil());

  EXPECT_EQ(Act("DELETE", "/api/jobs/" + done).first, 200);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE id = $1", {done}), 0);
  EXPECT_EQ(Redis().Command({"EXISTS", "job:" + done}).AsInt(), 0);
  Get("/api/jobs/" + done, 404);
  EXPECT_EQ(Act("DELETE", "/api/jobs/" + done).first, 404);

  auto dead2 = DeadJob(w);
  auto [all_code, all] = Act("POST", "/api/dlq/retry-all?queue=diagnostic");
  EXPECT_EQ(all_code, 200);
  EXPECT_EQ(all["requeued"], 2);
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt("SELECT count(*) FROM job_executions WHERE job_id = $1", {dead2}) == 2;
  }));
  ASSERT_TRUE(WaitFor([&] { return Status(dead2) == "failed"; }));
  EXPECT_EQ(Act("DELETE", "/api/jobs/" + dead2).first, 200);
  EXPECT_EQ(Redis().Command({"ZSCORE", "pw:dead", dead2}).is_nil(), true);
}

TEST_F(DashboardApiTest, PayloadsComeBackAsJsonDataNeverAsMarkup) {
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Diagnostic());
  auto id = DeadJob(w, {{"note", "<script>alert(1)</script>"}});
  auto res = http_->Get("/api/jobs/" + id);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(res->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(res->body)["payload"]["note"], "<script>alert(1)</script>");
}

TEST_F(DashboardApiTest, PagesAreServedFromTheBinary) {
  auto index = http_->Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("app.js"), std::string::npos);
  for (const char* asset : {"/app.js", "/charts.js", "/style.css"}) {
    auto r = http_->Get(asset);
    ASSERT_TRUE(r) << asset;
    EXPECT_EQ(r->status, 200) << asset;
  }
  EXPECT_EQ(http_->Get("/app.js")->get_header_value("Content-Type"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(http_->Get("/nothing.js")->status, 404);
  EXPECT_EQ(http_->Get("/../CMakeLists.txt")->status, 404);
}

TEST_F(DashboardApiTest, CampaignsShowTheirSendingProgress) {
  pg::Connection conn(Servers().database_url);
  conn.Exec("INSERT INTO tenants (id, name) VALUES ('t-dash', 'Dash') ON CONFLICT DO NOTHING");
  conn.Exec("INSERT INTO campaigns (id, tenant_id, name) VALUES ('c1', 't-dash', 'Spring <sale>')");
  // Two shards of the same campaign: the page shows their sum.
  conn.Exec("INSERT INTO campaign_metric_shards (tenant_id, campaign_id, shard, sent, replies) "
            "VALUES ('t-dash', 'c1', 0, 40, 3), ('t-dash', 'c1', 7, 2, 0)");
  auto some = Get("/api/campaigns");
  conn.Exec("DELETE FROM campaigns WHERE id = 'c1'");
  EXPECT_EQ(some["available"], true);
  ASSERT_EQ(some["campaigns"].size(), 1u);
  EXPECT_EQ(some["campaigns"][0]["name"], "Spring <sale>");
  EXPECT_EQ(some["campaigns"][0]["sent"], 42);
  EXPECT_EQ(some["campaigns"][0]["replies"], 3);
}

}  // namespace
}  // namespace postwork::testing
