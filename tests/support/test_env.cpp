#include "test_env.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "devenv/servers.hpp"
#include "pg/migrator.hpp"

namespace postwork::testing {
namespace fs = std::filesystem;
namespace {

struct State {
  TestServers servers;
  std::unique_ptr<devenv::RedisServer> own_redis;
  std::unique_ptr<devenv::PostgresServer> own_pg;
  fs::path own_dir;
  std::string admin_url;
  std::string db_name;
  std::string redis_base;
  std::string redis_claim;  // the db-0 key that reserves our Redis database
  ~State() {
    if (!redis_claim.empty()) {
      try {
        redis::Connection conn(redis::ParseRedisUrl(redis_base));
        conn.Command({"DEL", redis_claim});
      } catch (...) {
      }
    }
    if (!db_name.empty()) {
      try {
        pg::Connection admin(admin_url);
        admin.Exec("DROP DATABASE IF EXISTS \"" + db_name + "\" WITH (FORCE)");
      } catch (...) {
      }
    }
    own_pg.reset();
    own_redis.reset();
    if (!own_dir.empty()) {
      std::error_code ec;
      fs::remove_all(own_dir, ec);
    }
  }
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string ProgramName() {
  std::array<char, 512> buf{};
  ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  std::string name =
      n > 0 ? fs::path(std::string(buf.data(), static_cast<size_t>(n))).filename().string()
            : "test";
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

State& Init() {
  static State state;
  static std::once_flag once;
  std::call_once(once, [] {
    std::string redis_base = Env("POSTWORK_TEST_REDIS_URL");
    state.admin_url = Env("POSTWORK_TEST_PG_ADMIN_URL");
    std::string database_url = Env("POSTWORK_TEST_DATABASE_URL");
    if (redis_base.empty() || database_url.empty()) {
      char tmpl[] = "/tmp/postwork-test-XXXXXX";
      state.own_dir = ::mkdtemp(tmpl);
      ::chmod(state.own_dir.c_str(), 0755);
      fs::create_directories(state.own_dir / "pg");
      ::chmod((state.own_dir / "pg").c_str(), 0755);
      state.own_redis = std::make_unique<devenv::RedisServer>(
          devenv::RedisServerOptions{.dir = state.own_dir / "redis"});
      state.own_redis->Start();
      state.own_pg = std::make_unique<devenv::PostgresServer>(
          devenv::PostgresServerOptions{.data_dir = state.own_dir / "pg" / "data", .fsync = false});
      state.own_pg->Start();
      redis_base = state.own_redis->url();
      state.admin_url = state.own_pg->url("postgres");
    }
    if (state.admin_url.empty()) state.admin_url = database_url;
    // A Redis database of our own, reserved in db 0 for as long as this
    // process runs (test binaries run in parallel and a long one must not
    // share its database with a later one). The reservation expires after an
    // hour in case this process dies without releasing it.
    {
      redis::Connection conn(redis::ParseRedisUrl(redis_base));
      int databases = 16;
      if (auto v = conn.Command({"CONFIG", "GET", "databases"}); v.elements.size() == 2) {
        databases = std::max(2, std::atoi(v.elements[1].str.c_str()));
      }
      auto url = redis::ParseRedisUrl(redis_base);
      url.db = 0;
      std::string me = std::to_string(::getpid());
      for (int db = 1; db < databases && url.db == 0; ++db) {
        std::string key = "postwork:test:db:" + std::to_string(db);
        if (!conn.Command({"SET", key, me, "NX", "EX", "3600"}).is_nil()) {
          url.db = db;
          state.redis_claim = key;
        }
      }
      if (url.db == 0) {
        throw std::runtime_error("every Redis database of " + redis_base +
                                 " is reserved by a running test binary");
      }
      state.redis_base = redis_base;
      state.servers.redis_url =
          "redis://" + url.host + ":" + std::to_string(url.port) + "/" + std::to_string(url.db);
      redis::Connection mine(redis::ParseRedisUrl(state.servers.redis_url));
      mine.Command({"FLUSHDB"});
    }
    // A fresh database of our own.
    state.db_name = "t_" + ProgramName() + "_" + std::to_string(::getpid());
    {
      pg::Connection admin(state.admin_url);
      admin.Exec("CREATE DATABASE \"" + state.db_name + "\"");
    }
    auto at = state.admin_url.rfind('/');
    state.servers.database_url = state.admin_url.substr(0, at + 1) + state.db_name;
    pg::Connection conn(state.servers.database_url);
    pg::Migrator(conn).Up();
  });
  return state;
}
}  // namespace

const TestServers& Servers() { return Init().servers; }

redis::Connection& Redis() {
  static redis::Connection conn(redis::ParseRedisUrl(Servers().redis_url));
  return conn;
}

void ResetState() {
  Redis().Command({"FLUSHDB"});
  pg::Connection conn(Servers().database_url);
  conn.Exec("TRUNCATE jobs, job_attempts");
}

bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  return devenv::WaitUntil(cond, timeout);
}

std::string QueryValue(const std::string& sql, const pg::Params& params) {
  thread_local pg::Connection conn(Servers().database_url);
  auto r = conn.Exec(sql, params);
  return r.rows() == 0 || r.IsNull(0, 0) ? "" : r.Get(0, 0);
}

int64_t QueryInt(const std::string& sql, const pg::Params& params) {
  std::string v = QueryValue(sql, params);
  return v.empty() ? 0 : std::stoll(v);
}

devenv::ChildProcess StartPostwork(const std::vector<std::string>& args,
                                   const std::string& log_file) {
  std::vector<std::string> argv = {POSTWORK_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return devenv::ChildProcess(devenv::SpawnOptions{
      .argv = argv,
      .log_file = log_file,
      .env = {"POSTWORK_REDIS_URL=" + Servers().redis_url,
              "POSTWORK_DATABASE_URL=" + Servers().database_url, "POSTWORK_LOG_FORMAT=json",
              // No built-in cron ticks (jobs of their own) in tests' workers: a
              // worker started near 00:05 UTC would otherwise add the daily
              // analytics job to tests that count jobs.
              "POSTWORK_WARMUP_PLANNER_CRON=off", "POSTWORK_ANALYTICS_DAILY_CRON=off"}});
}

std::pair<int, std::string> RunCommand(const std::vector<std::string>& argv,
                                       const std::vector<std::string>& env) {
  char tmpl[] = "/tmp/postwork-run-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  devenv::ChildProcess proc(devenv::SpawnOptions{.argv = argv, .log_file = tmpl, .env = env});
  auto code = proc.Wait(std::chrono::seconds(120));
  if (!code) proc.Stop();
  std::ifstream in(tmpl);
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ::unlink(tmpl);
  return {code.value_or(-1), out};
}

std::pair<int, std::string> RunPostwork(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {POSTWORK_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(
      argv, {"POSTWORK_REDIS_URL=" + Servers().redis_url,
             "POSTWORK_DATABASE_URL=" + Servers().database_url, "POSTWORK_LOG_FORMAT=json"});
}

std::string Slurp(const std::string& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

ScratchDir::ScratchDir(const std::string& tag) {
  std::string tmpl = "/tmp/postwork-" + tag + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("cannot create a scratch folder " + tmpl);
  }
  path_ = tmpl;
  fs::permissions(path_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace postwork::testing
