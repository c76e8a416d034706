// Secrets never leave their place: a worker and a dashboard run as real
// processes with a password-protected Redis, a PostgreSQL URL with a password,
// SMTP accounts (one with a wrong password, so the failure paths run too), a
// dashboard token and an unsubscribe secret. Then every output an operator or
// an attacker with read access could see is collected (process logs at debug
// level, every CLI view, the worker's HTTP endpoints, every dashboard API
// response, a dump of the whole database, every Redis value) and searched for
// each secret.
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "devenv/process.hpp"
#include "devenv/servers.hpp"
#include "redis/connection.hpp"
#include "redis/url.hpp"
#include "support/email_fixture.hpp"
#include "support/smtp_sink.hpp"

namespace postwork::testing {
namespace {
namespace fs = std::filesystem;
using test_support::SmtpSink;
using namespace std::chrono_literals;

constexpr const char* kRedisPassword = "redis-Pw-7f3a9c";
constexpr const char* kPgPassword = "pg-Pw-51be02";
constexpr const char* kSmtpPassword = "correct horse battery staple";  // the sink's account
constexpr const char* kWrongSmtpPassword = "wrong-Horse-e81d";
constexpr const char* kDashboardToken = "dash-Token-0c77d2a4";
constexpr const char* kUnsubscribeSecret = "unsub-Secret-93ab";

std::string Slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SecretLeakTest : public EmailTest {
 protected:
  void TearDown() override {
    ::unsetenv("POSTWORK_DASHBOARD_TOKEN");
    ::unsetenv("POSTWORK_UNSUBSCRIBE_SECRET");
  }
  // Every form a secret could take in an output: as is, URL-encoded, and
  // (for the SMTP password) the base64 of an AUTH PLAIN exchange.
  std::vector<std::pair<std::string, std::string>> Needles() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const char* s : {kRedisPassword, kPgPassword, kSmtpPassword, kWrongSmtpPassword,
                          kDashboardToken, kUnsubscribeSecret, kTestSecretKey}) {
      out.emplace_back(s, s);
    }
    out.emplace_back("url-encoded SMTP password", "correct%20horse");
    out.emplace_back("SMTP password, first word pair", "horse battery");
    return out;
  }
  void ExpectClean(const std::string& where, const std::string& text) {
    ASSERT_FALSE(text.empty()) << where << " produced nothing to check";
    for (const auto& [name, needle] : Needles()) {
      EXPECT_EQ(text.find(needle), std::string::npos) << name << " appears in " << where;
    }
  }
  ScratchDir dir_{"leak"};
};

TEST_F(SecretLeakTest, NoSecretInAnyLogOutputApiResponseOrStoredRow) {
  // Redis with a password; PostgreSQL's URL with one (trust auth ignores it,
  // but every component still handles and must mask the URL).
  devenv::RedisServer redis({.dir = dir_ / "redis", .password = kRedisPassword});
  redis.Start();
  std::string redis_url = redis.url();
  std::string pg_url = config_.database_url;
  pg_url.replace(pg_url.find("postwork@"), 9, "postwork:" + std::string(kPgPassword) + "@");

  SmtpSink sink(SmtpSink::Handler::kScripted, SmtpSink::Tls::kStartTls);
  Tenant("t1");
  std::string good = Account("t1", "ana@sender.example", sink.port(), 100, 0, "starttls",
                             "ana@sender.example", kSmtpPassword);
  std::string bad = Account("t1", "bad@sender.example", sink.port(), 100, 0, "starttls",
                            "ana@sender.example", kWrongSmtpPassword);
  std::string tmpl = Template("t1", "Hello {{first_name}}", "Hi {{first_name}}", "");
  std::string good_campaign = Campaign("t1", good, tmpl);
  std::string bad_campaign = Campaign("t1", bad, tmpl);
  std::string lead_a = Lead("t1", "a@lead.example");
  std::string lead_b = Lead("t1", "b@lead.example");

  fs::path config = dir_ / "postwork.toml";
  {
    std::ofstream(config) << "[email]\nsmtp_ca_file = \"" << sink.cert_path().string()
                          << "\"\nunsubscribe_base_url = \"https://unsub.example.test/u\"\n";
  }
  ::setenv("POSTWORK_UNSUBSCRIBE_SECRET", kUnsubscribeSecret, 1);
  ::setenv("POSTWORK_DASHBOARD_TOKEN", kDashboardToken, 1);
  std::vector<std::string> common = {"--config",       config.string(), "--redis-url", redis_url,
                                     "--database-url", pg_url,          "--log-level", "debug"};
  auto args = [&](std::vector<std::string> rest) {
    std::vector<std::string> all = common;
    all.insert(all.end(), rest.begin(), rest.end());
    return all;
  };

  int worker_port = devenv::FreePort(), dashboard_port = devenv::FreePort();
  fs::path worker_log = dir_ / "worker.log", dashboard_log = dir_ / "dashboard.log";
  auto worker = StartPostwork(args({"worker", "--queues", "email-sending,diagnostic", "--http",
                                    "127.0.0.1:" + std::to_string(worker_port)}),
                              worker_log.string());
  auto dashboard =
      StartPostwork(args({"dashboard", "--listen", "127.0.0.1:" + std::to_string(dashboard_port)}),
                    dashboard_log.string());

  Client producer(ClientOptions{.redis_url = redis_url, .database_url = pg_url});
  auto ok =
      producer.Enqueue("email-sending", {{"campaign_id", good_campaign}, {"recipient_id", lead_a}},
                       {.tenant_id = "t1"});
  auto refused =
      producer.Enqueue("email-sending", {{"campaign_id", bad_campaign}, {"recipient_id", lead_b}},
                       {.max_attempts = 2, .tenant_id = "t1"});
  auto failing = producer.Enqueue("diagnostic", {{"fail_attempts", 5}, {"permanent", true}});
  ASSERT_TRUE(WaitStatus(ok.id, "completed", 60s))
      << QueryValue("SELECT last_error FROM jobs WHERE id = $1", {ok.id}) << Slurp(worker_log);
  ASSERT_TRUE(WaitStatus(refused.id, "failed", 60s))
      << QueryValue("SELECT status FROM jobs WHERE id = $1", {refused.id}) << Slurp(worker_log);
  ASSERT_TRUE(WaitStatus(failing.id, "failed", 60s));
  ASSERT_TRUE(sink.WaitForMessages(1, 10s));
  // The refusal really came from AUTH (so the wrong password went over the wire).
  EXPECT_NE(QueryValue("SELECT last_error FROM jobs WHERE id = $1", {refused.id}).find("535"),
            std::string::npos)
      << QueryValue("SELECT last_error FROM jobs WHERE id = $1", {refused.id});

  // The worker's endpoints.
  httplib::Client worker_http("127.0.0.1", worker_port);
  for (const char* path : {"/health", "/ready", "/metrics"}) {
    auto res = worker_http.Get(path);
    ASSERT_TRUE(res) << path;
    ExpectClean(std::string("worker ") + path, res->body);
  }
  // Every dashboard API response, with the token.
  httplib::Client dash("127.0.0.1", dashboard_port);
  httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kDashboardToken}};
  ASSERT_TRUE(WaitFor([&] { return static_cast<bool>(dash.Get("/api/overview", auth)); }));
  for (const std::string& path :
       std::vector<std::string>{"/api/overview", "/api/queues", "/api/workers", "/api/jobs",
                                "/api/jobs?status=failed", "/api/stats/history", "/api/campaigns",
                                "/api/jobs/" + ok.id, "/api/jobs/" + refused.id}) {
    auto res = dash.Get(path, auth);
    ASSERT_TRUE(res) << path;
    ExpectClean("dashboard " + path, res->body);
  }
  // Every CLI view.
  std::vector<std::vector<std::string>> views = {{"stats"},
                                                 {"stats", "--json"},
                                                 {"workers"},
                                                 {"workers", "--json"},
                                                 {"jobs", "list"},
                                                 {"jobs", "list", "--json"},
                                                 {"jobs", "show", ok.id},
                                                 {"jobs", "show", refused.id},
                                                 {"jobs", "show", failing.id},
                                                 {"dlq", "list"},
                                                 {"accounts", "list"},
                                                 {"accounts", "list", "--json"},
                                                 {"secrets", "status"},
                                                 {"migrate", "status"}};
  for (const auto& view : views) {
    auto [code, out] = RunPostwork(args(view));
    EXPECT_EQ(code, 0) << view[0] << ": " << out;
    ExpectClean("postwork " + view[0] + (view.size() > 1 ? " " + view[1] : ""), out);
  }
  // Error paths that print a URL: an unreachable Redis and PostgreSQL.
  for (const auto& bad_args : std::vector<std::vector<std::string>>{
           {"--redis-url", "redis://:" + std::string(kRedisPassword) + "@127.0.0.1:1", "stats"},
           {"--database-url",
            "postgresql://postwork:" + std::string(kPgPassword) + "@127.0.0.1:1/x", "jobs",
            "list"}}) {
    auto [code, out] = RunPostwork(bad_args);
    EXPECT_NE(code, 0);
    ExpectClean("an unreachable-server error", out);
  }

  worker.Signal(SIGTERM);
  EXPECT_EQ(worker.Wait(30s), 0);
  dashboard.Signal(SIGTERM);
  dashboard.Wait(30s);
  std::string wlog = Slurp(worker_log);
  EXPECT_NE(wlog.find("\"level\":\"debug\""), std::string::npos) << "debug logs were not on";
  ExpectClean("the worker's log", wlog);
  ExpectClean("the dashboard's log", Slurp(dashboard_log));

  // The whole database, as pg_dump sees it.
  fs::path dump = dir_ / "dump.sql";
  std::string pg_dump;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql")) {
    if (fs::exists(e.path() / "bin" / "pg_dump")) pg_dump = (e.path() / "bin" / "pg_dump").string();
  }
  ASSERT_FALSE(pg_dump.empty());
  devenv::ChildProcess dumper(devenv::SpawnOptions{
      .argv = {pg_dump, "--data-only", "--dbname", config_.database_url, "--file", dump.string()}});
  ASSERT_EQ(dumper.Wait(60s), 0);
  std::string dumped = Slurp(dump);
  EXPECT_NE(dumped.find("ana@sender.example"), std::string::npos);  // the dump has the accounts
  ExpectClean("the database", dumped);

  // Every value in Redis.
  redis::Connection r(redis::ParseRedisUrl(redis_url), 5s);
  std::string all;
  for (const auto& key : r.Command({"KEYS", "*"}).elements) {
    std::string type = r.Command({"TYPE", key.str}).str;
    all += key.str + "\n";
    redis::Value v;
    if (type == "string") v = r.Command({"GET", key.str});
    if (type == "hash") v = r.Command({"HGETALL", key.str});
    if (type == "list") v = r.Command({"LRANGE", key.str, "0", "-1"});
    if (type == "set") v = r.Command({"SMEMBERS", key.str});
    if (type == "zset") v = r.Command({"ZRANGE", key.str, "0", "-1"});
    all += v.str + "\n";
    for (const auto& e : v.elements) all += e.str + "\n";
  }
  EXPECT_NE(all.find(ok.id), std::string::npos);
  ExpectClean("Redis", all);
}

}  // namespace
}  // namespace postwork::testing
