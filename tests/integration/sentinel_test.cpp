// Redis Sentinel: a master, a replica and three sentinels on loopback. A
// worker and a producer find the master through the sentinels
// (POSTWORK_REDIS_SENTINELS); the master is killed with SIGKILL mid-run; the
// sentinels promote the replica and the worker carries on with it. Jobs the
// asynchronous replication dropped are pushed again from PostgreSQL by the
// reconciler; the test reports how many, and requires that every job
// completes.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
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

class Sentinel {
 public:
  Sentinel(const fs::path& dir, int master_port) : port_(devenv::FreePort()) {
    fs::create_directories(dir);
    fs::path conf = dir / "sentinel.conf";
    std::ofstream(conf) << "port " << port_ << "\nbind 127.0.0.1\ndir " << dir.string()
                        << "\nsentinel monitor mymaster 127.0.0.1 " << master_port << " 2\n"
                        << "sentinel down-after-milliseconds mymaster 1000\n"
                        << "sentinel failover-timeout mymaster 4000\n"
                        << "sentinel parallel-syncs mymaster 1\n";
    process_ = devenv::ChildProcess(
        devenv::SpawnOptions{.argv = {"redis-server", conf.string(), "--sentinel"},
                             .log_file = (dir / "sentinel.log").string()});
  }
  int port() const { return port_; }
  // The master this sentinel names now ("" when it does not answer).
  std::string Master() {
    try {
      redis::Connection c(redis::RedisUrl{.host = "127.0.0.1", .port = port_}, 500ms);
      auto v = c.Command({"SENTINEL", "get-master-addr-by-name", "mymaster"});
      return v.elements.size() == 2 ? v.elements[0].str + ":" + v.elements[1].str : "";
    } catch (const std::exception&) {
      return "";
    }
  }

 private:
  int port_;
  devenv::ChildProcess process_;
};

TEST(SentinelTest, WorkersFollowAFailoverAndEveryJobCompletes) {
  ResetState();
  char tmpl[] = "/tmp/postwork-sentinel-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  fs::path dir = tmpl;
  int master_port = devenv::FreePort();
  // No 5 s wait for more replicas before the first full sync (the default).
  devenv::RedisServer master({.dir = dir / "master",
                              .port = master_port,
                              .extra_args = {"--repl-diskless-sync-delay", "0"}});
  master.Start();
  devenv::RedisServer replica(
      {.dir = dir / "replica",
       .extra_args = {"--replicaof", "127.0.0.1", std::to_string(master_port)}});
  replica.Start();
  std::vector<std::unique_ptr<Sentinel>> sentinels;
  std::string list;
  for (int i = 0; i < 3; ++i) {
    sentinels.push_back(std::make_unique<Sentinel>(dir / ("s" + std::to_string(i)), master_port));
    list += (i ? "," : "") + std::string("127.0.0.1:") + std::to_string(sentinels.back()->port());
  }
  std::string master_addr = "127.0.0.1:" + std::to_string(master_port);
  ASSERT_TRUE(WaitFor(
      [&] {
        for (auto& s : sentinels) {
          if (s->Master() != master_addr) return false;
        }
        return true;
      },
      20s));
  // Everything below finds Redis through the sentinels; the URL's own address
  // is a decoy that nothing listens on.
  ::setenv("POSTWORK_REDIS_SENTINELS", list.c_str(), 1);
  std::string redis_url = "redis://127.0.0.1:1";
  fs::path config = dir / "postwork.toml";
  std::ofstream(config)
      << "[worker]\nreconcile_interval_seconds = 2\nreconcile_grace_seconds = 2\n";

  constexpr int kJobs = 3000;
  Client client(ClientOptions{.redis_url = redis_url, .database_url = Servers().database_url});
  std::vector<nlohmann::json> jobs(kJobs, {{"sleep_ms", 5}, {"record", true}});
  client.EnqueueMany("diagnostic", jobs);

  fs::path log = dir / "worker.log";
  auto worker = StartPostwork({"--config", config.string(), "--redis-url", redis_url, "worker",
                               "--queues", "diagnostic", "--concurrency", "8"},
                              log.string());
  auto completed = [] { return QueryInt("SELECT count(*) FROM jobs WHERE status = 'completed'"); };
  ASSERT_TRUE(WaitFor([&] { return completed() >= kJobs / 4; }, 60s)) << Slurp(log.string());
  // Production replicas are in sync before anything fails: wait for the link.
  redis::Connection replica_conn(redis::RedisUrl{.host = "127.0.0.1", .port = replica.port()}, 1s);
  ASSERT_TRUE(WaitFor(
      [&] {
        return replica_conn.Command({"INFO", "replication"}).str.find("master_link_status:up") !=
               std::string::npos;
      },
      30s));
  redis::Connection master_conn(redis::RedisUrl{.host = "127.0.0.1", .port = master_port}, 10s);
  ASSERT_EQ(master_conn.Command({"WAIT", "1", "5000"}).AsInt(), 1) << "the replica is behind";
  master.Kill();
  std::string replica_addr = "127.0.0.1:" + std::to_string(replica.port());
  ASSERT_TRUE(WaitFor([&] { return sentinels[0]->Master() == replica_addr; }, 30s))
      << "no failover";
  // Jobs enqueued after the failover go to the new master too.
  std::vector<nlohmann::json> more(200, {{"sleep_ms", 1}, {"record", true}});
  client.EnqueueMany("diagnostic", more);
  ASSERT_TRUE(WaitFor([&] { return completed() == kJobs + 200; }, 120s))
      << completed() << " completed\n"
      << Slurp(log.string());
  // At-least-once: every job has at least one effect; re-runs only for jobs
  // whose state the failover lost.
  int64_t effects = QueryInt("SELECT count(*) FROM diagnostic_effects");
  int64_t jobs_with_effect = QueryInt("SELECT count(DISTINCT job_id) FROM diagnostic_effects");
  EXPECT_EQ(jobs_with_effect, kJobs + 200);
  std::string text = Slurp(log.string());
  int64_t repushed = 0;
  std::regex pushed(
      R"re("jobs":"(\d+)"[^\n]*reconciler pushed|reconciler pushed[^\n]*"jobs":"(\d+)")re");
  for (std::sregex_iterator it(text.begin(), text.end(), pushed), end; it != end; ++it) {
    repushed += std::stoll((*it)[1].matched ? (*it)[1].str() : (*it)[2].str());
  }
  std::cout << "sentinel failover: " << kJobs + 200 << " jobs completed, "
            << effects - jobs_with_effect << " re-run(s), " << repushed
            << " job(s) pushed again from PostgreSQL by the reconciler\n";
  worker.Signal(SIGTERM);
  EXPECT_EQ(worker.Wait(60s), 0) << Slurp(log.string());
  ::unsetenv("POSTWORK_REDIS_SENTINELS");
  sentinels.clear();
  replica.Stop();
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace postwork::testing
