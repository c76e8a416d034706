// `postwork dev` (what `make run` starts): its own Redis, PostgreSQL, SMTP sink
// and IMAP server, the demo tenant's 1,000 sends delivered to the sink (one
// Maildir per recipient), replies and bounces processed, warmup between the two
// demo mailboxes (with a rescue from Junk), and a second run on the same folder
// sending nothing twice.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include "pg/connection.hpp"
#include "support/test_env.hpp"

namespace postwork::testing {
namespace {
namespace fs = std::filesystem;

size_t CountFiles(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

// The single number a query returns.
int64_t Count(pg::Connection& db, const std::string& sql, const pg::Params& params = {}) {
  return db.Exec(sql, params).GetInt(0, 0);
}

// What the last run printed (the log holds every run's lines).
std::string LastMatch(const std::string& text, const char* pattern, int group) {
  std::string last;
  std::regex re(pattern);
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) {
    last = (*it)[group].str();
  }
  return last;
}

// Campaign messages: one Maildir per lead under the sink's root (the demo's
// own mailboxes hold warmup mail, not counted).
size_t CampaignMessages(const fs::path& root) {
  size_t n = 0;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!it->is_directory() || name.find("@outreach-demo.test") != std::string::npos) continue;
    n += CountFiles(it->path() / "new") + CountFiles(it->path() / "cur");
  }
  return n;
}

class DevDemoTest : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv("POSTWORK_SECRET_KEY"); }
  // Starts `postwork dev`, waits for the demo to finish, and returns the
  // database URL it printed. The process is left running in `dev`.
  std::string RunUntilDone(devenv::ChildProcess& dev, const fs::path& log, int done_lines) {
    dev = StartPostwork({"dev", "--dir", (dir_ / "data").string(), "--dashboard", "127.0.0.1:0"},
                        log.string());
    bool done = WaitFor(
        [&] {
          std::string text = Slurp(log.string());
          size_t n = 0;
          for (size_t at = text.find("email demo: done"); at != std::string::npos;
               at = text.find("email demo: done", at + 1)) {
            ++n;
          }
          return n >= static_cast<size_t>(done_lines) || !dev.Running();
        },
        std::chrono::seconds(180));
    EXPECT_TRUE(done && dev.Running()) << Slurp(log.string());
    return LastMatch(Slurp(log.string()), R"(postgresql://\S+/postwork)", 0);
  }
  ScratchDir dir_{"dev-demo"};
};

TEST_F(DevDemoTest, SendsTheCampaignToItsSinkAndProcessesRepliesAndBounces) {
  fs::path log = dir_ / "dev.log";
  devenv::ChildProcess dev;
  std::string url = RunUntilDone(dev, log, 1);
  ASSERT_FALSE(url.empty());
  {
    // The webhook receiver dev started got every event, signed; the daily
    // aggregate ran for yesterday and today. (The report follows "done".)
    ASSERT_TRUE(WaitFor(
        [&] {
          return Slurp(log.string()).find("daily stats 2") != std::string::npos &&
                 Slurp(log.string()).rfind("daily stats 2") !=
                     Slurp(log.string()).find("daily stats 2");
        },
        std::chrono::seconds(90)))
        << Slurp(log.string());
    std::string text = Slurp(log.string());
    EXPECT_NE(text.find("email.sent 1000"), std::string::npos) << text;
    EXPECT_NE(text.find("email.replied 15"), std::string::npos) << text;
    EXPECT_NE(text.find("email.bounced 20"), std::string::npos) << text;
    EXPECT_NE(text.find("(all signatures valid)"), std::string::npos) << text;
    pg::Connection db(url);
    EXPECT_EQ(db.Exec("SELECT coalesce(sum(sent), 0) FROM daily_stats WHERE tenant_id = 'demo' AND "
                      "day = (now() AT TIME ZONE 'UTC')::date")
                  .GetInt(0, 0),
              1000);
    EXPECT_GT(
        db.Exec("SELECT count(*) FROM webhook_deliveries WHERE status_code = 204").GetInt(0, 0),
        1000);
  }
  fs::path mail = dir_ / "data" / "mail";
  EXPECT_EQ(CampaignMessages(mail), 1000u);
  {
    pg::Connection db(url);
    auto m = db.Exec(
        "SELECT sent, replies, auto_replies, hard_bounces, soft_bounces FROM campaign_metrics "
        "WHERE tenant_id = 'demo'");
    ASSERT_EQ(m.rows(), 1);
    EXPECT_EQ(m.GetInt(0, 0), 1000);
    EXPECT_EQ(m.GetInt(0, 1), 15);
    EXPECT_EQ(m.GetInt(0, 2), 5);
    EXPECT_EQ(m.GetInt(0, 3), 12);
    EXPECT_EQ(m.GetInt(0, 4), 8);
    EXPECT_EQ(
        Count(db, "SELECT count(*) FROM leads WHERE tenant_id = 'demo' AND status = 'replied'"),
        15);
    EXPECT_EQ(Count(db,
                    "SELECT count(*) FROM suppressions WHERE tenant_id = 'demo' AND reason = "
                    "'hard_bounce'"),
              12);
    // Both mailboxes sent half of the campaign.
    EXPECT_EQ(Count(db,
                    "SELECT count(DISTINCT email_account_id) FROM email_deliveries WHERE "
                    "tenant_id = 'demo' AND status IN ('sent', 'bounced')"),
              2);
    // The key file dev created is private; the stored password column holds no plain text.
    auto perms = fs::status(dir_ / "data" / "secret.key").permissions();
    EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);

    // Warmup between ana@ and ben@ (whose mail lands in Junk): both sent and
    // received, ben's mail rescued from Junk, replies in thread.
    auto count = [&](const std::string& email, const std::string& type) {
      return Count(db,
                   "SELECT count(*) FROM warmup_events e JOIN email_accounts a ON a.id = "
                   "e.email_account_id WHERE e.tenant_id = 'demo' AND a.email = $1 AND "
                   "e.type = $2",
                   {email, type});
    };
    for (const char* email : {"ana@outreach-demo.test", "ben@outreach-demo.test"}) {
      EXPECT_GT(count(email, "sent"), 0) << email;
      EXPECT_GT(count(email, "received"), 0) << email;
    }
    EXPECT_GT(count("ben@outreach-demo.test", "landed_spam"), 0);
    EXPECT_GT(count("ben@outreach-demo.test", "rescued"), 0);
    EXPECT_GT(count("ana@outreach-demo.test", "landed_inbox"), 0);
    EXPECT_GT(Count(db,
                    "SELECT count(*) FROM warmup_events WHERE tenant_id = 'demo' AND type = "
                    "'replied'"),
              0);
    auto failed = db.Exec(
        "SELECT id, attempt_count, coalesce(last_error, '') FROM jobs WHERE tenant_id = 'demo' AND "
        "queue = 'queue:warmup:process' AND status = 'failed'");
    // The one permanent failure a slow machine (a sanitizer build) may cause
    // by design: an SMTP transaction that timed out after the data was sent
    // is marked 'unknown' rather than sent twice. Anything else is a defect.
    std::string why;
    for (int i = 0; i < failed.rows(); ++i) {
      std::string line =
          failed.Get(i, 0) + " (attempt " + failed.Get(i, 1) + "): " + failed.Get(i, 2) + "\n";
      if (failed.Get(i, 2).find("'unknown'") != std::string::npos) {
        std::cout << "warmup send with an unknown outcome (not retried): " << line;
        continue;
      }
      why += line;
    }
    EXPECT_EQ(why, "") << Slurp(log.string());
    // The accounts read their mailboxes with an encrypted IMAP password.
    EXPECT_EQ(Count(db,
                    "SELECT count(*) FROM email_accounts WHERE tenant_id = 'demo' AND "
                    "imap_security = 'none' AND imap_password_enc IS NOT NULL"),
              2);
    EXPECT_NE(Slurp(log.string()).find("warmup: sent"), std::string::npos);
  }
  dev.Signal(SIGINT);
  EXPECT_EQ(dev.Wait(std::chrono::seconds(60)), 0) << Slurp(log.string());

  // A second run on the same folder seeds nothing and sends nothing again; the
  // accounts follow the new servers' ports.
  devenv::ChildProcess again;
  std::string url2 = RunUntilDone(again, log, 2);
  EXPECT_EQ(CampaignMessages(mail), 1000u);
  {
    pg::Connection db(url2);
    std::string last_imap = LastMatch(Slurp(log.string()), R"(IMAP +127\.0\.0\.1:(\d+))", 1);
    ASSERT_FALSE(last_imap.empty()) << Slurp(log.string());
    EXPECT_EQ(Count(db,
                    "SELECT count(*) FROM email_accounts WHERE tenant_id = 'demo' AND "
                    "imap_port = $1",
                    {last_imap}),
              2);
    EXPECT_EQ(Count(db, "SELECT count(*) FROM warmup_configs WHERE tenant_id = 'demo'"), 2);
  }
  again.Signal(SIGINT);
  EXPECT_EQ(again.Wait(std::chrono::seconds(60)), 0) << Slurp(log.string());
}

}  // namespace
}  // namespace postwork::testing
