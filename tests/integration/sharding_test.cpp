// Queue sharding: POSTWORK_REDIS_SHARDS puts queue:diagnostic on a second
// Redis while every other queue stays on the default one. Producers do not
// change; the jobs land on their shard; a worker serves both shards in
// priority order, retries on the diagnostic shard, and a second worker takes
// back the jobs of one killed with SIGKILL there; `postwork stats` adds the
// shards up.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "devenv/process.hpp"
#include "devenv/servers.hpp"
#include "postwork/client.hpp"
#include "redis/connection.hpp"
#include "support/test_env.hpp"

namespace postwork::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ShardingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ResetState();
    char tmpl[] = "/tmp/postwork-shards-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // Append-only, so a restart of this shard keeps its jobs.
    second_ = std::make_unique<devenv::RedisServer>(
        devenv::RedisServerOptions{.dir = dir_ / "r2", .append_only = true});
    second_->Start();
    std::string shards = "diagnostic=" + second_->url();
    ::setenv("POSTWORK_REDIS_SHARDS", shards.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("POSTWORK_REDIS_SHARDS");
    second_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  int64_t Llen(redis::Connection& c, const std::string& key) {
    return c.Command({"LLEN", key}).AsInt();
  }

  fs::path dir_;
  std::unique_ptr<devenv::RedisServer> second_;
};

TEST_F(ShardingTest, JobsLiveOnTheirQueuesShardAndEveryOneCompletes) {
  redis::Connection first(redis::RedisUrl(redis::ParseRedisUrl(Servers().redis_url)));
  redis::Connection second(redis::RedisUrl{.host = "127.0.0.1", .port = second_->port()});
  Client client(
      ClientOptions{.redis_url = Servers().redis_url, .database_url = Servers().database_url});
  constexpr int kJobs = 1500;
  std::vector<nlohmann::json> jobs;
  for (int i = 0; i < kJobs; ++i) {
    // One in ten fails once: its retry waits in the second Redis's schedule.
    jobs.push_back({{"sleep_ms", 2}, {"record", true}, {"fail_attempts", i % 10 == 0 ? 1 : 0}});
  }
  client.EnqueueMany("diagnostic", jobs);
  client.Enqueue("analytics:daily-aggregate", {{"date", "2026-01-01"}});
  EXPECT_EQ(Llen(second, "queue:diagnostic"), kJobs);
  EXPECT_EQ(Llen(first, "queue:diagnostic"), 0);
  EXPECT_EQ(Llen(first, "queue:analytics:daily-aggregate"), 1);
  EXPECT_EQ(Llen(second, "queue:analytics:daily-aggregate"), 0);

  // Operators see both shards through the default URL.
  auto [code, out] = RunPostwork({"stats", "--json"});
  ASSERT_EQ(code, 0) << out;
  auto stats = nlohmann::json::parse(out);
  EXPECT_EQ(stats["ready"], kJobs + 1) << out;

  // A worker killed with SIGKILL holds leases on the second Redis; another
  // one takes them back when they expire.
  fs::path log1 = dir_ / "w1.log", log2 = dir_ / "w2.log";
  std::vector<std::string> args = {
      "worker",          "--queues", "analytics:daily-aggregate,diagnostic", "--concurrency", "8",
      "--lease-seconds", "2"};
  auto w1 = StartPostwork(args, log1.string());
  auto completed = [] {
    return QueryInt(
        "SELECT count(*) FROM jobs WHERE status = 'completed' AND id NOT LIKE 'cron:%'");
  };
  ASSERT_TRUE(WaitFor([&] { return completed() >= 200; }, 60s)) << Slurp(log1.string());
  // Strict priority across shards: the analytics job (first in --queues, on
  // the default Redis) started before most diagnostic jobs. (It may still be
  // running: on a loaded machine its aggregation outlasts 200 no-op jobs.)
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE queue = 'queue:analytics:daily-aggregate' "
                     "AND id NOT LIKE 'cron:%' AND status IN ('running', 'completed') "
                     "AND started_at IS NOT NULL"),
            1);
  EXPECT_LT(QueryInt("SELECT count(*) FROM jobs d, jobs a WHERE d.queue = 'queue:diagnostic' "
                     "AND a.queue = 'queue:analytics:daily-aggregate' AND a.id NOT LIKE 'cron:%' "
                     "AND d.started_at < a.started_at"),
            200);
  w1.Signal(SIGKILL);
  w1.Wait(10s);
  auto w2 = StartPostwork(args, log2.string());
  ASSERT_TRUE(WaitFor([&] { return completed() == kJobs + 1; }, 120s))
      << completed() << " completed\n"
      << Slurp(log2.string());
  EXPECT_EQ(QueryInt("SELECT count(DISTINCT job_id) FROM diagnostic_effects"), kJobs);
  EXPECT_GE(QueryInt("SELECT count(*) FROM jobs WHERE queue = 'queue:diagnostic' AND "
                     "attempt_count >= 2"),
            kJobs / 10);
  // The diagnostic jobs' state is on the second Redis, none on the first.
  auto ids = QueryValue("SELECT id FROM jobs WHERE queue = 'queue:diagnostic' LIMIT 1");
  // PostgreSQL commits first; Redis follows within one acknowledgement.
  EXPECT_TRUE(WaitFor([&] {
    return second.Command({"HGET", "job:" + ids, "status"}).str == "completed" &&
           second.Command({"ZCARD", "pw:leases"}).AsInt() == 0;
  })) << second.Command({"ZCARD", "pw:leases"}).AsInt()
      << " leases left";
  EXPECT_TRUE(first.Command({"HGET", "job:" + ids, "status"}).is_nil());
  EXPECT_EQ(second.Command({"ZCARD", "pw:scheduled"}).AsInt(), 0);

  // An idle worker is woken by a push to either shard.
  client.Enqueue("diagnostic", {{"record", true}});
  client.Enqueue("analytics:daily-aggregate", {{"date", "2026-01-02"}});
  ASSERT_TRUE(WaitFor([&] { return completed() == kJobs + 3; }, 30s)) << Slurp(log2.string());
  EXPECT_NE(Slurp(log2.string()).find("sharded over several Redis"), std::string::npos);
  w2.Signal(SIGTERM);
  EXPECT_EQ(w2.Wait(60s), 0) << Slurp(log2.string());
}

TEST_F(ShardingTest, AShardThatIsDownDoesNotStopTheOthers) {
  Client client(
      ClientOptions{.redis_url = Servers().redis_url, .database_url = Servers().database_url});
  second_->Stop();
  fs::path log = dir_ / "w.log";
  auto w = StartPostwork(
      {"worker", "--queues", "diagnostic,analytics:daily-aggregate", "--concurrency", "2"},
      log.string());
  // Recorded in PostgreSQL, not queued: the reconciler pushes it later.
  client.Enqueue("diagnostic", {{"record", true}});
  // The worker has already failed a fetch on the shard that is down (and may
  // hold orphan leases there it cannot release): it must still serve the
  // other shard.
  ASSERT_TRUE(
      WaitFor([&] { return Slurp(log.string()).find("unavailable") != std::string::npos; }, 30s))
      << Slurp(log.string());
  client.Enqueue("analytics:daily-aggregate", {{"date", "2026-01-03"}});
  ASSERT_TRUE(WaitFor(
      [&] {
        return QueryValue(
                   "SELECT status FROM jobs WHERE queue = "
                   "'queue:analytics:daily-aggregate' AND id NOT LIKE 'cron:%'") == "completed";
      },
      30s))
      << Slurp(log.string());
  EXPECT_EQ(QueryValue("SELECT status FROM jobs WHERE queue = 'queue:diagnostic'"), "queued");
  w.Signal(SIGTERM);
  EXPECT_EQ(w.Wait(60s), 0) << Slurp(log.string());
}

TEST_F(ShardingTest, AShardThatGoesDownMidJobHoldsUpOnlyItsOwnJobs) {
  redis::Connection first(redis::RedisUrl(redis::ParseRedisUrl(Servers().redis_url)));
  Client client(
      ClientOptions{.redis_url = Servers().redis_url, .database_url = Servers().database_url});
  fs::path log = dir_ / "w.log";
  auto w = StartPostwork({"worker", "--queues", "diagnostic,analytics:daily-aggregate",
                          "--concurrency", "4", "--lease-seconds", "3"},
                         log.string());
  auto slow = client.Enqueue("diagnostic", {{"sleep_ms", 1500}, {"record", true}});
  auto status = [&](const std::string& id) {
    return QueryValue("SELECT status FROM jobs WHERE id = $1", {id});
  };
  ASSERT_TRUE(WaitFor([&] { return status(slow.id) == "running"; }, 30s)) << Slurp(log.string());
  second_->Stop();
  // Its outcome reaches PostgreSQL; its acknowledgement waits for the shard,
  // and so do its lease renewals.
  ASSERT_TRUE(WaitFor([&] { return status(slow.id) == "completed"; }, 30s)) << Slurp(log.string());
  // Meanwhile the default Redis's jobs run and are acknowledged there.
  for (int d = 1; d <= 3; ++d) {
    client.Enqueue("analytics:daily-aggregate", {{"date", "2026-02-0" + std::to_string(d)}});
  }
  auto done_on_first = [&] {
    return QueryInt(
               "SELECT count(*) FROM jobs WHERE queue = 'queue:analytics:daily-aggregate' "
               "AND id NOT LIKE 'cron:%' AND status = 'completed'") == 3 &&
           first.Command({"ZCARD", "pw:leases"}).AsInt() == 0;
  };
  ASSERT_TRUE(WaitFor(done_on_first, 30s))
      << first.Command({"ZCARD", "pw:leases"}).AsInt() << " leases on the default Redis\n"
      << Slurp(log.string());
  // The shard is back: the acknowledgement it missed goes through.
  second_->Start();
  redis::Connection second(redis::RedisUrl{.host = "127.0.0.1", .port = second_->port()});
  EXPECT_TRUE(WaitFor(
      [&] {
        return second.Command({"HGET", "job:" + slow.id, "status"}).str == "completed" &&
               second.Command({"ZCARD", "pw:leases"}).AsInt() == 0;
      },
      30s))
      << Slurp(log.string());
  EXPECT_EQ(QueryInt("SELECT count(*) FROM job_executions WHERE job_id = $1", {slow.id}), 1);
  w.Signal(SIGTERM);
  EXPECT_EQ(w.Wait(60s), 0) << Slurp(log.string());
}

}  // namespace
}  // namespace postwork::testing
