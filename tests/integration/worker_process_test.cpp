// Worker processes against real servers: crashes, signals, a burst, outages.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "devenv/servers.hpp"
#include "postwork/client.hpp"
#include "support/test_env.hpp"

namespace postwork::testing {
namespace {

class WorkerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override { ResetState(); }
  Client& client() {
    static Client c(
        ClientOptions{.redis_url = Servers().redis_url, .database_url = Servers().database_url});
    return c;
  }
  std::string Status(const std::string& id) {
    return QueryValue("SELECT status FROM jobs WHERE id = $1", {id});
  }
  devenv::ChildProcess Worker(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"worker", "--queues", "diagnostic"};
    args.insert(args.end(), extra.begin(), extra.end());
    if (std::find(extra.begin(), extra.end(), "--concurrency") == extra.end()) {
      args.insert(args.end(), {"--concurrency", "4"});
    }
    return StartPostwork(args, LogFile());
  }
  static std::string LogFile() {
    return (std::filesystem::temp_directory_path() / "postwork-worker-process-test.log").string();
  }
};

TEST_F(WorkerProcessTest, KillNineMidJobAnotherWorkerCompletesItAfterTheLease) {
  auto id = client().Enqueue("diagnostic", {{"sleep_ms", 3000}}).id;
  auto a = Worker({"--lease-seconds", "2"});
  ASSERT_TRUE(WaitFor([&] { return Status(id) == "running"; }));
  std::string first_worker = QueryValue("SELECT worker_id FROM jobs WHERE id = $1", {id});
  a.Stop(std::chrono::seconds(5), SIGKILL);
  auto b = Worker({"--lease-seconds", "2"});
  ASSERT_TRUE(WaitFor([&] { return Status(id) == "completed"; }, std::chrono::seconds(40)));
  EXPECT_NE(
      QueryValue("SELECT worker_id FROM job_executions WHERE job_id = $1 AND status='success'",
                 {id}),
      first_worker);
  EXPECT_EQ(
      QueryInt("SELECT count(*) FROM job_executions WHERE job_id = $1 AND status='lost'", {id}), 1);
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {id}), 2);
  b.Signal(SIGTERM);
  EXPECT_EQ(b.Wait(std::chrono::seconds(30)), 0);
}

TEST_F(WorkerProcessTest, SigtermMidJobLetsItFinishAndExitsZero) {
  auto id = client().Enqueue("diagnostic", {{"sleep_ms", 1500}}).id;
  auto w = Worker();
  ASSERT_TRUE(WaitFor([&] { return Status(id) == "running"; }));
  w.Signal(SIGTERM);
  EXPECT_EQ(w.Wait(std::chrono::seconds(30)), 0);
  EXPECT_EQ(Status(id), "completed");
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {id}), 1);
}

// libcurl is loaded on first use (webhook/curl_loader.cpp): a worker that runs
// jobs but sends no mail and delivers no webhook never maps it.
TEST_F(WorkerProcessTest, AWorkerThatSendsNothingNeverMapsLibcurl) {
  auto id = client().Enqueue("diagnostic", nlohmann::json::object()).id;
  auto w = Worker();
  ASSERT_TRUE(WaitFor([&] { return Status(id) == "completed"; }));
  std::ifstream maps("/proc/" + std::to_string(w.pid()) + "/maps");
  std::string mapped((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  ASSERT_NE(mapped.find("libpq"), std::string::npos);  // the file was read
  EXPECT_EQ(mapped.find("libcurl"), std::string::npos);
  w.Signal(SIGTERM);
  EXPECT_EQ(w.Wait(std::chrono::seconds(30)), 0);
}

TEST_F(WorkerProcessTest, SigtermWithAJobLongerThanTheShutdownTimeoutPutsItBack) {
  auto id = client().Enqueue("diagnostic", {{"sleep_ms", 60000}}).id;
  auto w = Worker({"--shutdown-timeout", "1"});
  ASSERT_TRUE(WaitFor([&] { return Status(id) == "running"; }));
  w.Signal(SIGTERM);
  EXPECT_EQ(w.Wait(std::chrono::seconds(30)), 0);
  EXPECT_EQ(Status(id), "queued");
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {id}), 0);
  EXPECT_EQ(Redis().Command({"LLEN", "queue:diagnostic"}).AsInt(), 1);
  EXPECT_EQ(Redis().Command({"ZCARD", "pw:leases"}).AsInt(), 0);
  EXPECT_EQ(Redis().Command({"HGET", "job:" + id, "status"}).str, "queued");
  EXPECT_EQ(
      QueryInt("SELECT count(*) FROM job_executions WHERE job_id = $1 AND status='interrupted'",
               {id}),
      1);
}

TEST_F(WorkerProcessTest, BurstOfTenThousandDrainedByThreeProcessesExactlyOnce) {
  std::vector<nlohmann::json> payloads(10000, nlohmann::json::object());
  client().EnqueueMany("diagnostic", payloads);
  auto a = Worker({"--concurrency", "20"});
  auto b = Worker({"--concurrency", "20"});
  auto c = Worker({"--concurrency", "20"});
  ASSERT_TRUE(WaitFor(
      [&] { return QueryInt("SELECT count(*) FROM jobs WHERE status='completed'") == 10000; },
      std::chrono::seconds(180)));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs"), 10000);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM job_executions"), 10000);
  EXPECT_EQ(QueryInt("SELECT count(DISTINCT job_id) FROM job_executions WHERE status='success'"),
            10000);
  EXPECT_EQ(QueryInt("SELECT count(DISTINCT worker_id) FROM job_executions"), 3);
  for (auto* w : {&a, &b, &c}) {
    w->Signal(SIGTERM);
    EXPECT_EQ(w->Wait(std::chrono::seconds(30)), 0);
  }
}

TEST_F(WorkerProcessTest, BadCommandLineExitsTwoWithAMessage) {
  auto [code, out] = RunPostwork({"worker", "--concurrency", "zero"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("concurrency"), std::string::npos) << out;
  auto [code2, out2] = RunPostwork({"--redis-url", "redis://u:hunter2@127.0.0.1:1", "stats"});
  EXPECT_NE(code2, 0);
  EXPECT_EQ(out2.find("hunter2"), std::string::npos) << out2;
  auto [code3, out3] = RunPostwork({"enqueue", "diagnostic", "{not json"});
  EXPECT_EQ(code3, 2);
}

// Redis restarts (AOF on) while a worker runs: one log line for the outage,
// the worker carries on, nothing is lost.
TEST(WorkerOutageTest, RedisRestartLosesNothing) {
  char tmpl[] = "/tmp/postwork-outage-XXXXXX";
  std::filesystem::path dir = ::mkdtemp(tmpl);
  devenv::RedisServer redis({.dir = dir, .append_only = true});
  redis.Start();
  std::string db = Servers().database_url;
  QueryValue("TRUNCATE jobs, job_attempts");
  Client client(ClientOptions{.redis_url = redis.url(), .database_url = db});
  std::vector<nlohmann::json> first(200, {{"sleep_ms", 5}});
  client.EnqueueMany("diagnostic", first);
  std::string log = (dir / "worker.log").string();
  devenv::ChildProcess w(devenv::SpawnOptions{
      .argv = {POSTWORK_BINARY, "worker", "--queues", "diagnostic", "--concurrency", "4",
               "--lease-seconds", "5"},
      .log_file = log,
      .env = {"POSTWORK_REDIS_URL=" + redis.url(), "POSTWORK_DATABASE_URL=" + db,
              "POSTWORK_LOG_FORMAT=json", "POSTWORK_WARMUP_PLANNER_CRON=off",
              "POSTWORK_ANALYTICS_DAILY_CRON=off"}});
  ASSERT_TRUE(
      WaitFor([&] { return QueryInt("SELECT count(*) FROM jobs WHERE status='completed'") > 20; }));
  redis.Restart();
  std::vector<nlohmann::json> second(200, nlohmann::json::object());
  client.EnqueueMany("diagnostic", second);
  ASSERT_TRUE(
      WaitFor([&] { return QueryInt("SELECT count(*) FROM jobs WHERE status='completed'") == 400; },
              std::chrono::seconds(60)))
      << QueryInt("SELECT count(*) FROM jobs WHERE status='completed'");
  w.Signal(SIGTERM);
  EXPECT_EQ(w.Wait(std::chrono::seconds(30)), 0);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t outages = 0;
  for (size_t p = 0; (p = text.find("Redis unavailable", p)) != std::string::npos; ++p) ++outages;
  size_t fetch_outages = 0;
  for (size_t p = 0; (p = text.find("\"msg\":\"Redis unavailable", p)) != std::string::npos; ++p)
    ++fetch_outages;
  EXPECT_GE(outages, 1u);
  EXPECT_LE(outages, 4u) << "one line per outage per connection, not one per retry";
  redis.Stop();
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace postwork::testing
