// The migrator against a real PostgreSQL: concurrency, checksums, versions.
#include <gtest/gtest.h>

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
