// A worker's /health, /ready and /metrics against real Redis and PostgreSQL.
// /metrics is checked by the strict parser in tests/support and, where
// Debian's promtool is installed, by `promtool check metrics` too.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdio>
#include <filesystem>

#include "core/clock.hpp"
#include "handlers/diagnostic/diagnostic_handler.hpp"
#include "http/worker_server.hpp"
#include "postwork/client.hpp"
#include "support/prometheus_text.hpp"
#include "support/test_env.hpp"
#include "support/worker_fixture.hpp"

namespace postwork::testing {
namespace {

core::HandlerRegistry Diagnostic() {
  core::HandlerRegistry r;
  r.Register("diagnostic", handlers::RunDiagnostic);
  return r;
}

class WorkerHttpTest : public ::testing::Test {
 protected:
  void SetUp() override { ResetState(); }
  Client& client() {
    static Client c(
        ClientOptions{.redis_url = Servers().redis_url, .database_url = Servers().database_url});
    return c;
  }
  static http::WorkerServerOptions Options() {
    return {.listen = "127.0.0.1:0",
            .redis_url = Servers().redis_url,
            .database_url = Servers().database_url,
            .queues = {"queue:diagnostic"}};
  }
  std::string Status(const std::string& id) {
    return QueryValue("SELECT status FROM jobs WHERE id = $1", {id});
  }
};

TEST_F(WorkerHttpTest, HealthIsTheSeedsWorkerHealth) {
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Diagnostic());
  http::WorkerServer server(Options(), w.worker());
  httplib::Client http("127.0.0.1", server.port());
  auto res = http.Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  auto j = nlohmann::json::parse(res->body);
  EXPECT_EQ(j["worker_id"], w.worker().id());
  for (const char* field : {"status", "uptime", "memory_usage", "jobs_processed", "jobs_failed",
                            "average_processing_time", "last_heartbeat"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
}

TEST_F(WorkerHttpTest, ReadyWhileFetchingThen503WithTheReasonDuringShutdown) {
  auto opts = TestWorkerOptions({"queue:diagnostic"});
  opts.shutdown_timeout_seconds = 30;
  RunningWorker w(opts, Diagnostic());
  http::WorkerServer server(Options(), w.worker());
  httplib::Client http("127.0.0.1", server.port());
  ASSERT_TRUE(WaitFor([&] {
    auto r = http.Get("/ready");
    return r && r->status == 200;
  }));
  EXPECT_EQ(nlohmann::json::parse(http.Get("/ready")->body)["ready"], true);

  // A long job keeps the shutdown going while we look.
  auto id = client().Enqueue("diagnostic", {{"sleep_ms", 3000}}).id;
  ASSERT_TRUE(WaitFor([&] { return Status(id) == "running"; }));
  w.worker().RequestStop();
  auto res = http.Get("/ready");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["ready"], false);
  EXPECT_EQ(body["reasons"][0], "shutting down");
  // Liveness is still fine while draining.
  auto health = http.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(nlohmann::json::parse(health->body)["status"], "stopping");
  w.Stop();
  EXPECT_EQ(Status(id), "completed");
}

TEST_F(WorkerHttpTest, NotReadyWhenADependencyDoesNotAnswer) {
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Diagnostic());
  auto opts = Options();
  int closed = devenv::FreePort();  // nothing listens there
  opts.database_url = "postgresql://postwork@127.0.0.1:" + std::to_string(closed) + "/postwork";
  opts.redis_url = "redis://:hunter2@127.0.0.1:" + std::to_string(closed);
  http::WorkerServer server(opts, w.worker());
  httplib::Client http("127.0.0.1", server.port());
  auto res = http.Get("/ready");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  std::string reasons = nlohmann::json::parse(res->body)["reasons"].dump();
  EXPECT_NE(reasons.find("Redis unavailable"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("PostgreSQL unavailable"), std::string::npos) << reasons;
  EXPECT_EQ(reasons.find("hunter2"), std::string::npos) << "secrets are masked: " << reasons;
  // Metrics still answer, saying what is down.
  auto metrics = PromText::Parse(http.Get("/metrics")->body);
  EXPECT_EQ(metrics.Value("postwork_dependency_up", {{"dependency", "redis"}}), 0);
  EXPECT_EQ(metrics.Value("postwork_dependency_up", {{"dependency", "postgresql"}}), 0);
  EXPECT_TRUE(metrics.Family("postwork_queue_jobs").samples.empty());
}

TEST_F(WorkerHttpTest, MetricsCountOutcomesTimeJobsAndShowDepths) {
  std::vector<nlohmann::json> ok(20, nlohmann::json{{"sleep_ms", 30}});
  client().EnqueueMany("diagnostic", ok);
  auto retried = client().Enqueue("diagnostic", {{"fail_attempts", 1}}).id;
  auto dead = client().Enqueue("diagnostic", {{"fail_attempts", 1}, {"permanent", true}}).id;
  // One for later: scheduled.
  client().Enqueue("diagnostic", {},
                   {.run_at_ms = core::SystemClock::Instance().NowMs() + 3600000});
  // Jobs on a queue no worker serves show as ready, with an age.
  client().EnqueueMany("email-sending:low",
                       std::vector<nlohmann::json>(3, nlohmann::json::object()));

  auto opts = TestWorkerOptions({"queue:diagnostic"});
  RunningWorker w(opts, Diagnostic());
  http::WorkerServer server(Options(), w.worker());
  ASSERT_TRUE(WaitFor([&] { return Status(retried) == "completed"; }));  // after a 2 s backoff
  ASSERT_TRUE(WaitFor([&] { return Status(dead) == "failed"; }));
  ASSERT_TRUE(WaitFor(
      [&] { return QueryInt("SELECT count(*) FROM jobs WHERE status = 'completed'") == 21; }));

  httplib::Client http("127.0.0.1", server.port());
  auto res = http.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  PromText m;
  ASSERT_NO_THROW(m = PromText::Parse(res->body)) << res->body;
  std::map<std::string, std::string> q = {{"queue", "queue:diagnostic"}};
  EXPECT_EQ(m.Value("postwork_jobs_processed_total", q), 21);
  EXPECT_EQ(m.Value("postwork_jobs_failed_total", q), 2);
  EXPECT_EQ(m.Value("postwork_jobs_retried_total", q), 1);
  EXPECT_EQ(m.Value("postwork_jobs_dead_lettered_total", q), 1);
  EXPECT_EQ(m.Value("postwork_job_duration_seconds_count", q), 23);
  EXPECT_GE(m.Value("postwork_job_duration_seconds_sum", q), 20 * 0.030);
  // The 20 jobs of 30 ms are above the 25 ms bound; only the 3 quick ones may be below.
  EXPECT_LE(m.Value("postwork_job_duration_seconds_bucket",
                    {{"queue", "queue:diagnostic"}, {"le", "0.025"}}),
            3);
  EXPECT_EQ(m.Value("postwork_job_start_latency_seconds_count", q), 22);
  EXPECT_EQ(m.Value("postwork_queue_jobs", {{"queue", "queue:diagnostic"}, {"state", "dead"}}), 1);
  EXPECT_EQ(m.Value("postwork_queue_jobs", {{"queue", "queue:diagnostic"}, {"state", "scheduled"}}),
            1);
  EXPECT_EQ(
      m.Value("postwork_queue_jobs", {{"queue", "queue:email-sending:low"}, {"state", "ready"}}),
      3);
  EXPECT_GT(
      m.Value("postwork_queue_oldest_ready_age_seconds", {{"queue", "queue:email-sending:low"}}),
      0);
  EXPECT_EQ(m.Value("postwork_queue_oldest_ready_age_seconds", q), 0);
  EXPECT_EQ(m.Value("postwork_dependency_up", {{"dependency", "redis"}}), 1);
  EXPECT_EQ(m.Value("postwork_dependency_up", {{"dependency", "postgresql"}}), 1);
  EXPECT_EQ(m.Value("postwork_worker_fetching"), 1);
  EXPECT_EQ(m.Value("postwork_worker_info",
                    {{"worker_id", w.worker().id()}, {"version", POSTWORK_VERSION}}),
            1);
  EXPECT_EQ(m.Value("postwork_redis_errors_total"), 0);
  EXPECT_EQ(m.Value("postwork_postgres_errors_total"), 0);
  EXPECT_GT(m.Value("process_cpu_seconds_total"), 0);
  EXPECT_GT(m.Value("process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(m.Value("process_open_fds"), 3);
  EXPECT_GE(m.Value("postwork_process_open_connections"), 2);  // at least Redis and PostgreSQL
  EXPECT_GT(m.Value("process_start_time_seconds"), 1.6e9);

  // Debian's promtool, when installed (scripts/install-deps.sh installs it).
  if (std::filesystem::exists("/usr/bin/promtool")) {
    auto path =
        std::filesystem::temp_directory_path() / ("postwork-metrics-" + std::to_string(::getpid()));
    {
      std::FILE* f = std::fopen(path.c_str(), "w");
      ASSERT_NE(f, nullptr);
      std::fwrite(res->body.data(), 1, res->body.size(), f);
      std::fclose(f);
    }
    std::string cmd = "/usr/bin/promtool check metrics < " + path.string() + " 2>&1";
    std::FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof(buf), p)) out += buf;
    int status = ::pclose(p);
    std::filesystem::remove(path);
    EXPECT_EQ(status, 0) << "promtool check metrics:\n" << out;
    EXPECT_EQ(out, "") << "promtool reports problems:\n" << out;
  }
}

// The HTTP servers are in postwork-http.so next to the binary
// (app/module_loader.hpp): a binary installed without it says which file is
// missing where, and exits non-zero; it never crashes.
TEST(WorkerHttpModule, WithoutTheModuleTheWorkerNamesTheMissingFile) {
  auto dir = std::filesystem::temp_directory_path() /
             ("postwork-no-modules-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(POSTWORK_BINARY, dir / "postwork",
                             std::filesystem::copy_options::overwrite_existing);
  auto [rc, out] = RunCommand({(dir / "postwork").string(), "worker", "--queues",
                               "queue:diagnostic", "--http", "127.0.0.1:0"},
                              {"POSTWORK_REDIS_URL=" + Servers().redis_url,
                               "POSTWORK_DATABASE_URL=" + Servers().database_url});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(
      out.find("postwork-http.so is missing: expected at " + (dir / "postwork-http.so").string()),
      std::string::npos)
      << out;
}

}  // namespace
}  // namespace postwork::testing
