#include "netns_lab.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "pg/migrator.hpp"
#include "redis/connection.hpp"

namespace postwork::testing {
namespace fs = std::filesystem;

NetnsLab::NetnsLab(int hosts) {
  char tmpl[] = "/tmp/postwork-netns-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  ::chmod(dir_.c_str(), 0755);  // PostgreSQL runs as an unprivileged user
  fs::create_directories(dir_ / "pg");
  ::chmod((dir_ / "pg").c_str(), 0755);
  subnet_ = PickSubnet();
  for (int i = 0; i < hosts; ++i) hosts_.push_back(std::make_unique<NetworkNamespace>(subnet_, i));

  std::vector<std::string> bind = {"--bind", "127.0.0.1"};
  std::string listen = "listen_addresses=127.0.0.1";
  for (const auto& h : hosts_) {
    bind.push_back(h->redis_link().host_addr);
    listen += "," + h->postgres_link().host_addr;
  }
  bind.insert(bind.end(), {"--protected-mode", "no"});
  redis_ = std::make_unique<devenv::RedisServer>(
      devenv::RedisServerOptions{.dir = dir_ / "redis", .extra_args = bind});
  redis_->Start();

  // initdb --auth=trust writes host lines for loopback only: the hosts need one.
  fs::path hba = dir_ / "pg" / "pg_hba.conf";
  std::ofstream(hba) << "local all all trust\n"
                        "host all all 127.0.0.1/32 trust\n"
                        "host all all 10.213.0.0/16 trust\n";
  ::chmod(hba.c_str(), 0644);
  postgres_ = std::make_unique<devenv::PostgresServer>(
      devenv::PostgresServerOptions{.data_dir = dir_ / "pg" / "data",
                                    .fsync = false,
                                    .settings = {listen, "hba_file=" + hba.string()}});
  postgres_->Start();
  pg::Connection conn(postgres_->url());
  pg::Migrator(conn).Up();
}

NetnsLab::~NetnsLab() {
  hosts_.clear();  // kills whatever still runs in them
  postgres_.reset();
  redis_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string NetnsLab::RedisUrlFor(int i) const {
  return "redis://" + hosts_.at(static_cast<size_t>(i))->redis_link().host_addr + ":" +
         std::to_string(redis_->port());
}

std::string NetnsLab::DatabaseUrlFor(int i) const {
  return "postgresql://postwork@" + hosts_.at(static_cast<size_t>(i))->postgres_link().host_addr +
         ":" + std::to_string(postgres_->port()) + "/postwork";
}

devenv::ChildProcess NetnsLab::StartPostwork(int i, const std::vector<std::string>& args,
                                             const std::string& log_name) {
  std::vector<std::string> argv = {POSTWORK_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return host(i).Start(devenv::SpawnOptions{
      .argv = argv,
      .log_file = (dir_ / log_name).string(),
      .env = {"POSTWORK_REDIS_URL=" + RedisUrlFor(i), "POSTWORK_DATABASE_URL=" + DatabaseUrlFor(i),
              "POSTWORK_LOG_FORMAT=json", "POSTWORK_WARMUP_PLANNER_CRON=off",
              "POSTWORK_ANALYTICS_DAILY_CRON=off"}});
}

std::pair<int, std::string> NetnsLab::RunPostwork(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {POSTWORK_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(
      argv, {"POSTWORK_REDIS_URL=" + redis_url(), "POSTWORK_DATABASE_URL=" + database_url()});
}

void NetnsLab::HealAll() {
  for (auto& h : hosts_) h->Heal();
}

void NetnsLab::RebuildHosts() {
  // The servers' listening sockets are bound to the addresses, which come back
  // with the new links, so they need no restart.
  int n = hosts();
  hosts_.clear();
  for (int i = 0; i < n; ++i) hosts_.push_back(std::make_unique<NetworkNamespace>(subnet_, i));
}

void NetnsLab::Reset() {
  redis::Connection r(redis::ParseRedisUrl(redis_url()));
  r.Command({"FLUSHALL"});
  pg::Connection conn(database_url());
  conn.Exec("TRUNCATE jobs, job_attempts, diagnostic_effects");
}

}  // namespace postwork::testing
