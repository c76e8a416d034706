// The migrator against a real PostgreSQL: concurrency, checksums, versions.
#include <gtest/gtest.h>

#include "pg/job_store.hpp"
#include "pg/migrator.hpp"
#include "postwork/error.hpp"
#include "support/test_env.hpp"

namespace postwork::testing {
namespace {

// A database of its own per test, created from the test binary's one.
class MigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string& base = Servers().database_url;
    auto slash = base.rfind('/');
    name_ = "m_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
    for (char& c : name_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    admin_ = std::make_unique<pg::Connection>(base);
    admin_->Exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    admin_->Exec("CREATE DATABASE " + name_);
    url_ = base.substr(0, slash + 1) + name_;
  }
  void TearDown() override { admin_->Exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }
  std::string name_, url_;
  std::unique_ptr<pg::Connection> admin_;
};

// Exec prepares a statement once per connection; a table that changes under
// it (a migration while workers run) must not break the connection's next call.
TEST_F(MigrateTest, PreparedStatementsSurviveATableChangingUnderThem) {
  pg::Connection conn(url_);
  conn.Exec("CREATE TABLE t (id int PRIMARY KEY, a text)");
  conn.Exec("INSERT INTO t VALUES (1, 'x')");
  const std::string select = "SELECT * FROM t WHERE id = $1";
  EXPECT_EQ(conn.Exec(select, {"1"}).columns(), 2);
  EXPECT_EQ(conn.Exec(select, {"1"}).Get(0, 1), "x");
  pg::Connection other(url_);
  other.Exec("ALTER TABLE t ADD COLUMN b text DEFAULT 'y'");
  auto after = conn.Exec(select, {"1"});
  ASSERT_EQ(after.columns(), 3);
  EXPECT_EQ(after.Get(0, 2), "y");
  EXPECT_EQ(conn.Exec(select, {"1"}).columns(), 3);  // prepared again
  // A statement that fails to prepare reports the SQL error and is not kept.
  EXPECT_THROW(conn.Exec("SELECT * FROM missing WHERE id = $1", {"1"}), pg::SqlError);
  other.Exec("CREATE TABLE missing (id int)");
  EXPECT_EQ(conn.Exec("SELECT * FROM missing WHERE id = $1", {"1"}).rows(), 0);
}

TEST_F(MigrateTest, TwoConcurrentRunsBothSucceedAndApplyEachOnce) {
  auto a = StartPostwork({"--database-url", url_, "migrate", "up"});
  auto b = StartPostwork({"--database-url", url_, "migrate", "up"});
  EXPECT_EQ(a.Wait(std::chrono::seconds(60)), 0);
  EXPECT_EQ(b.Wait(std::chrono::seconds(60)), 0);
  pg::Connection conn(url_);
  auto migrations = pg::EmbeddedMigrations();
  EXPECT_EQ(conn.Exec("SELECT count(*) FROM schema_migrations").GetInt(0, 0),
            static_cast<int64_t>(migrations.size()));
  auto [code, out] = RunPostwork({"--database-url", url_, "migrate", "status"});
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("applied  0001_jobs"), std::string::npos) << out;
}

// Migration 0017 on a database with history: successes logged as rows before
// it show once, a job live across it gets its success from its row, a worker
// of the previous version (inserting into job_executions) still logs every
// attempt once, and deleting a job still deletes its attempts.
TEST_F(MigrateTest, SuccessFromTheJobsRowKeepsEveryAttemptOnceAcrossTheUpgrade) {
  pg::Connection conn(url_);
  std::vector<pg::Migration> before, all = pg::EmbeddedMigrations();
  for (const auto& m : all) {
    if (m.version < 17) before.push_back(m);
  }
  pg::Migrator(conn, before).Up();
  // Completed before: its success is a row of the table.
  conn.Exec(
      "INSERT INTO jobs (id, queue, status, attempt_count, worker_id, started_at, completed_at) "
      "VALUES ('old', 'q', 'completed', 2, 'w1', now() - interval '5 s', now() - interval '4 s')");
  conn.Exec(
      "INSERT INTO job_executions (job_id, attempt, worker_id, status, error, finished_at) "
      "VALUES ('old', 1, 'w1', 'failed', 'boom', now() - interval '6 s'), "
      "       ('old', 2, 'w1', 'success', NULL, now() - interval '4 s')");
  // Running across the upgrade, one failed attempt behind it.
  conn.Exec(
      "INSERT INTO jobs (id, queue, status, attempt_count, lease_token, worker_id) "
      "VALUES ('live', 'q', 'running', 1, 7, 'w1')");
  conn.Exec(
      "INSERT INTO job_executions (job_id, attempt, worker_id, status, error, finished_at) "
      "VALUES ('live', 1, 'w1', 'failed', 'boom', now())");

  pg::Migrator(conn, all).Up();
  auto attempts = [&](const std::string& id) {
    auto r = conn.Exec(
        "SELECT string_agg(attempt || ':' || status, ',' ORDER BY id NULLS LAST) "
        "FROM job_executions WHERE job_id = $1",
        {id});
    return r.Get(0, 0);
  };
  EXPECT_EQ(attempts("old"), "1:failed,2:success");

  pg::JobStore store(url_);
  core::FinishRecord done{.kind = core::FinishRecord::Kind::kCompleted,
                          .id = "live",
                          .queue = "q",
                          .token = 7,
                          .worker_id = "w2",
                          .attempt = 2,
                          .attempt_count = 2,
                          .result = nlohmann::json::object(),
                          .started_ms = 1'700'000'000'000,
                          .finished_ms = 1'700'000'000'250,
                          .execution_status = "success"};
  EXPECT_EQ(store.ApplyFinishes(std::vector<core::FinishRecord>{done}),
            std::vector<std::string>{"live"});
  EXPECT_EQ(attempts("live"), "1:failed,2:success");
  EXPECT_EQ(conn.Exec("SELECT worker_id, duration_ms FROM job_executions "
                      "WHERE job_id = 'live' AND status = 'success'")
                .Get(0, 1),
            "250");
  EXPECT_EQ(conn.Exec("SELECT count(*) FROM job_attempts WHERE job_id = 'live'").GetInt(0, 0), 1);

  // A previous version's worker: completes the row, then logs its attempts in
  // the view; the success is not shown twice, the failure lands in the table.
  conn.Exec(
      "INSERT INTO jobs (id, queue, status, attempt_count, worker_id, started_at, completed_at) "
      "VALUES ('new', 'q', 'completed', 2, 'w3', now() - interval '1 s', now())");
  conn.Exec(
      "INSERT INTO job_executions (job_id, attempt, worker_id, status, error, finished_at) "
      "VALUES ('new', 1, 'w3', 'timeout', 'slow', now() - interval '2 s'), "
      "       ('new', 2, 'w3', 'success', NULL, now())");
  EXPECT_EQ(attempts("new"), "1:timeout,2:success");

  conn.Exec("DELETE FROM jobs WHERE id IN ('old', 'live', 'new')");
  EXPECT_EQ(conn.Exec("SELECT count(*) FROM job_executions").GetInt(0, 0), 0);
  EXPECT_EQ(conn.Exec("SELECT count(*) FROM job_attempts").GetInt(0, 0), 0);
}

TEST_F(MigrateTest, ChangedChecksumIsAnError) {
  pg::Connection conn(url_);
  pg::Migrator(conn).Up();
  conn.Exec("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
  try {
    pg::Migrator(conn).Up();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("0001_jobs was changed"), std::string::npos);
  }
}

TEST_F(MigrateTest, DatabaseNewerThanTheBinaryIsRefused) {
  pg::Connection conn(url_);
  pg::Migrator(conn).Up();
  conn.Exec("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')");
  auto [code, out] = RunPostwork({"--database-url", url_, "migrate", "up"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("upgrade postwork"), std::string::npos) << out;
}

TEST_F(MigrateTest, WorkerRefusesAnUnmigratedDatabase) {
  auto [code, out] = RunPostwork({"--database-url", url_, "worker", "--queues", "diagnostic"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("postwork migrate up"), std::string::npos) << out;
}

TEST_F(MigrateTest, UnreachableServerGetsOneClearLine) {
  auto [code, out] =
      RunPostwork({"--database-url", "postgresql://nobody@127.0.0.1:1/x", "migrate", "up"});
  EXPECT_NE(code, 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_NE(out.find("PostgreSQL"), std::string::npos) << out;
}

TEST_F(MigrateTest, GssEncryptionOnlyWhenTheUrlAsksForIt) {
  // By default no GSSAPI encryption is attempted (the private server has none).
  pg::Connection plain(Servers().database_url);
  EXPECT_EQ(plain.Exec("SELECT 1").Get(0, 0), "1");
  // The URL's own gssencmode wins over the default: the server offers no
  // GSSAPI encryption, so "require" cannot connect.
  const std::string& base = Servers().database_url;
  std::string url = base + (base.find('?') == std::string::npos ? "?" : "&") + "gssencmode=require";
  pg::Connection required(url);
  EXPECT_THROW(required.Exec("SELECT 1"), UnavailableError);
}

}  // namespace
}  // namespace postwork::testing
