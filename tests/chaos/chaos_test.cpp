// The chaos suite: 4 worker processes drain jobs whose handler records a side
// effect in PostgreSQL while workers are killed with SIGKILL, Redis and
// PostgreSQL restart, and one worker is paused past its lease. Then: nothing
// lost, duplicates bounded by the jobs in flight at the faults, Redis and
// PostgreSQL agree, surviving workers exit 0 on SIGTERM.
// POSTWORK_CHAOS_JOBS sets the size (make test: 2,000; make chaos: 20,000).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

#include "devenv/servers.hpp"
#include "pg/migrator.hpp"
#include "postwork/client.hpp"
#include "redis/connection.hpp"

namespace postwork::testing {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kWorkers = 4;
constexpr int kConcurrency = 8;
constexpr int kLeaseSeconds = 3;

int JobCount() {
  const char* v = std::getenv("POSTWORK_CHAOS_JOBS");
  return v ? std::max(100, std::atoi(v)) : 2000;
}

struct Worker {
  devenv::ChildProcess process;
  bool killed = false;
};

TEST(Chaos, KillsRestartsAndPausesLoseNothing) {
  const int jobs = JobCount();
  char tmpl[] = "/tmp/postwork-chaos-XXXXXX";
  fs::path dir = ::mkdtemp(tmpl);
  ::chmod(dir.c_str(), 0755);
  fs::create_directories(dir / "pg");
  ::chmod((dir / "pg").c_str(), 0755);
  devenv::RedisServer redis({.dir = dir / "redis", .append_only = true});
  devenv::PostgresServer postgres({.data_dir = dir / "pg" / "data", .fsync = true});
  redis.Start();
  postgres.Start();
  {
    pg::Connection conn(postgres.url());
    pg::Migrator(conn).Up();
  }
  {
    Client client(ClientOptions{.redis_url = redis.url(), .database_url = postgres.url()});
    // Sized so a run lasts about 30 s whatever the job count: long enough for
    // every fault to land while jobs are in flight.
    int sleep_ms = std::max(2, 30000 * kWorkers * kConcurrency / jobs);
    std::vector<nlohmann::json> payloads(static_cast<size_t>(jobs),
                                         {{"record", true}, {"sleep_ms", sleep_ms}});
    client.EnqueueMany("diagnostic", payloads);
  }
  pg::Connection db(postgres.url());
  auto count = [&](const std::string& sql) {
    for (int i = 0; i < 100; ++i) {
      try {
        return db.Exec(sql).GetInt(0, 0);
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // PostgreSQL restarting
      }
    }
    return int64_t{-1};
  };
  auto start_worker = [&](int n) {
    return devenv::ChildProcess(devenv::SpawnOptions{
        .argv = {POSTWORK_BINARY, "worker", "--queues", "diagnostic", "--concurrency",
                 std::to_string(kConcurrency), "--lease-seconds", std::to_string(kLeaseSeconds),
                 "--shutdown-timeout", "10"},
        .log_file = (dir / ("worker-" + std::to_string(n) + ".log")).string(),
        .env = {"POSTWORK_REDIS_URL=" + redis.url(), "POSTWORK_DATABASE_URL=" + postgres.url(),
                "POSTWORK_LOG_FORMAT=json", "POSTWORK_WARMUP_PLANNER_CRON=off",
                "POSTWORK_ANALYTICS_DAILY_CRON=off"}});
  };
  std::vector<Worker> workers;
  int spawned = 0;
  for (int i = 0; i < kWorkers; ++i) workers.push_back({start_worker(spawned++)});

  std::mt19937 rng(12345);
  int kills = 0;
  bool redis_restarted = false, pg_restarted = false, paused = false;
  long paused_index = -1;  // never the kill victim while stopped
  Clock::time_point resume_at;
  auto deadline = Clock::now() + std::chrono::minutes(8);
  auto next_kill = Clock::now() + std::chrono::seconds(2);
  int64_t done = 0;
  while ((done = count("SELECT count(*) FROM jobs WHERE status = 'completed'")) < jobs &&
         Clock::now() < deadline) {
    double progress = static_cast<double>(done) / jobs;
    if (Clock::now() >= next_kill && progress < 0.9) {
      // kill -9 a random live worker and start a new one in its place
      std::vector<size_t> live;
      for (size_t i = 0; i < workers.size(); ++i) {
        if (!workers[i].killed && paused_index != static_cast<long>(i)) live.push_back(i);
      }
      size_t victim = live[rng() % live.size()];
      workers[victim].process.Stop(std::chrono::seconds(5), SIGKILL);
      workers[victim].killed = true;
      ++kills;
      workers.push_back({start_worker(spawned++)});
      next_kill = Clock::now() + std::chrono::seconds(2);
    }
    if (!paused && progress >= 0.2) {
      // Pause a worker longer than its lease: its jobs go elsewhere; its late
      // completions must be fenced when it resumes.
      paused_index = static_cast<long>(workers.size()) - 1;
      workers[static_cast<size_t>(paused_index)].process.Signal(SIGSTOP);
      resume_at = Clock::now() + std::chrono::seconds(kLeaseSeconds + 2);
      paused = true;
    }
    if (paused_index >= 0 && Clock::now() >= resume_at) {
      workers[static_cast<size_t>(paused_index)].process.Signal(SIGCONT);
      paused_index = -1;
    }
    if (!redis_restarted && progress >= 0.35) {
      redis.Restart();
      redis_restarted = true;
    }
    if (!pg_restarted && progress >= 0.55) {
      postgres.Restart();
      pg_restarted = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

  if (paused_index >= 0) workers[static_cast<size_t>(paused_index)].process.Signal(SIGCONT);
  int exited_zero = 0, survivors = 0;
  std::string exit_report;
  for (size_t i = 0; i < workers.size(); ++i) {
    auto& w = workers[i];
    if (w.killed) continue;
    ++survivors;
    w.process.Signal(SIGTERM);
  }
  for (size_t i = 0; i < workers.size(); ++i) {
    auto& w = workers[i];
    if (w.killed) continue;
    auto code = w.process.Wait(std::chrono::seconds(45));
    if (code == 0) {
      ++exited_zero;
      continue;
    }
    std::ifstream in(dir / ("worker-" + std::to_string(i) + ".log"));
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    exit_report += "worker-" + std::to_string(i) + " exit " +
                   (code ? std::to_string(*code) : std::string("timeout")) + ", log tail:\n" +
                   all.substr(all.size() > 1500 ? all.size() - 1500 : 0) + "\n";
  }
  int64_t completed = count("SELECT count(*) FROM jobs WHERE status = 'completed'");
  int64_t failed = count("SELECT count(*) FROM jobs WHERE status = 'failed'");
  int64_t effects = count("SELECT count(*) FROM diagnostic_effects");
  int64_t distinct = count("SELECT count(DISTINCT job_id) FROM diagnostic_effects");
  int64_t lost_attempts = count("SELECT count(*) FROM job_executions WHERE status = 'lost'");
  redis::Connection r(redis::ParseRedisUrl(redis.url()));
  int64_t leases = r.Command({"ZCARD", "pw:leases"}).AsInt();
  int64_t ready = r.Command({"LLEN", "queue:diagnostic"}).AsInt();
  int64_t scheduled = r.Command({"ZCARD", "pw:scheduled"}).AsInt();
  // Every job PostgreSQL holds as completed is completed (or already expired) in Redis.
  int64_t disagree = 0;
  // The diagnostic jobs only: a built-in cron tick (daily analytics, warmup
  // planner) falling due during the run waits for a worker of its own queue.
  auto ids = db.Exec("SELECT id FROM jobs WHERE queue = 'queue:diagnostic'");
  for (int i = 0; i < ids.rows(); ++i) {
    auto s = r.Command({"HGET", "job:" + ids.Get(i, 0), "status"});
    if (!s.is_nil() && s.str != "completed") {
      ++disagree;
      std::cout << "Redis says " << s.str << " for job " << ids.Get(i, 0) << "\n";
    }
  }
  int64_t duplicates = effects - distinct;
  // A side effect runs twice only when its attempt was lost (worker killed or
  // paused past its lease after the effect, before the completion committed):
  // each such attempt is a `lost` execution, i.e. a job in flight at a fault.
  int64_t bound = lost_attempts;
  nlohmann::json report = {{"jobs", jobs},
                           {"completed", completed},
                           {"lost", jobs - completed - failed},
                           {"dead_lettered", failed},
                           {"side_effects", effects},
                           {"duplicate_side_effects", duplicates},
                           {"duplicate_bound", bound},
                           {"kills", kills},
                           {"lost_attempts_reclaimed", lost_attempts},
                           {"redis_restarted", redis_restarted},
                           {"postgres_restarted", pg_restarted},
                           {"paused_past_lease", paused},
                           {"redis_pg_disagree", disagree},
                           {"survivors", survivors},
                           {"survivors_exit_0", exited_zero}};
  std::cout << "chaos report: " << report.dump() << std::endl;
  fs::create_directories(POSTWORK_SOURCE_DIR "/build/test-artifacts");
  std::ofstream(POSTWORK_SOURCE_DIR "/build/test-artifacts/chaos.json") << report.dump(2) << "\n";

  EXPECT_EQ(completed, jobs) << "jobs lost";
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(distinct, jobs) << "every job's side effect happened";
  EXPECT_LE(duplicates, bound);
  EXPECT_EQ(disagree, 0);
  EXPECT_EQ(leases + ready + scheduled, 0);
  EXPECT_EQ(exited_zero, survivors) << exit_report;
  EXPECT_TRUE(redis_restarted && pg_restarted && paused);
  postgres.Stop();
  redis.Stop();
  if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace postwork::testing
