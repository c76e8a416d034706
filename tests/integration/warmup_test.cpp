// queue:warmup:process against real PostgreSQL, Redis, an SMTP server that
// delivers into Maildirs and dovecot serving those Maildirs over IMAP:
// assertions are on what the mailboxes hold.
#include <gtest/gtest.h>

#include <chrono>

#include "handlers/bounce/bounce_handler.hpp"
#include "handlers/warmup/message_generator.hpp"
#include "handlers/warmup/planner.hpp"
#include "handlers/warmup/ramp.hpp"
#include "handlers/warmup/warmup_handler.hpp"
#include "mail/imap_client.hpp"
#include "mail/mime_parser.hpp"
#include "support/email_fixture.hpp"
#include "support/imap_server.hpp"
#include "support/smtp_sink.hpp"
#include "support/worker_fixture.hpp"

namespace postwork::testing {
namespace {
using namespace std::chrono_literals;
using test_support::ImapServer;
using test_support::SmtpSink;

const std::vector<std::string> kQueues = {"queue:warmup:process", "queue:bounce:process"};
constexpr const char* kAna = "ana@sender.example";
constexpr const char* kBob = "bob@peer.example";

class WarmupTest : public EmailTest {
 protected:
  void SetUp() override {
    EmailTest::SetUp();
    Tenant("t1");
  }

  void StartMailServers() {
    imap_ = std::make_unique<ImapServer>(
        std::vector<test_support::ImapUser>{{kAna, "ana-imap-pw"}, {kBob, "bob-imap-pw"}});
    smtp_ = std::make_unique<SmtpSink>(SmtpSink::Handler::kMaildirDelivery, SmtpSink::Tls::kNone,
                                       imap_->mail_root());
  }

  // An account that sends through the delivering SMTP server and reads its
  // mailbox over IMAP, with an always-open warmup window.
  std::string WarmupAccount(const std::string& email, const std::string& name,
                            const std::string& imap_password, int reply_rate = 30) {
    auto added = app::AddEmailAccount(db(),
                                      {.tenant_id = "t1",
                                       .email = email,
                                       .display_name = name,
                                       .smtp_host = "127.0.0.1",
                                       .smtp_port = smtp_->port(),
                                       .smtp_security = "none",
                                       .imap_host = "127.0.0.1",
                                       .imap_port = imap_->port(),
                                       .imap_security = "none",
                                       .imap_username = email,
                                       .imap_password = imap_password},
                                      config_.email);
    Config(added.id, reply_rate);
    return added.id;
  }

  void Config(const std::string& account, int reply_rate = 30) {
    db().Exec(
        "INSERT INTO warmup_configs (tenant_id, email_account_id, reply_rate_pct, window_days, "
        "window_start_hour, window_end_hour) VALUES ('t1', $1, $2, '{1,2,3,4,5,6,7}', 0, 24)",
        {account, std::to_string(reply_rate)});
  }

  std::string Enqueue(const std::string& account, const std::string& type, int step = 1) {
    return client()
        .Enqueue("queue:warmup:process",
                 {{"email_account_id", account}, {"warmup_type", type}, {"sequence_step", step}},
                 {.tenant_id = "t1"})
        .id;
  }

  // Runs one job to a terminal state with a worker of its own.
  nlohmann::json RunJob(const std::string& id, const std::string& expected = "completed") {
    RunningWorker w(TestWorkerOptions(kQueues), Handlers());
    EXPECT_TRUE(WaitFor([&] {
      std::string s = JobStatus(id);
      return s == "completed" || s == "failed";
    })) << JobStatus(id);
    EXPECT_EQ(JobStatus(id), expected) << LastError(id);
    return JobResult(id);
  }

  std::string LastError(const std::string& id) {
    return QueryValue("SELECT coalesce(last_error, '') FROM jobs WHERE id = $1", {id});
  }

  int64_t Events(const std::string& account, const std::string& type) {
    return QueryInt("SELECT count(*) FROM warmup_events WHERE email_account_id = $1 AND type = $2",
                    {account, type});
  }

  std::unique_ptr<ImapServer> imap_;
  std::unique_ptr<SmtpSink> smtp_;
};

TEST_F(WarmupTest, OutboundReachesThePeerAndInboundRescuesItFromJunk) {
  StartMailServers();
  std::string ana = WarmupAccount(kAna, "Ana Sender", "ana-imap-pw");
  std::string bob = WarmupAccount(kBob, "Bob Peer", "bob-imap-pw");
  imap_->DeliverToJunk(kBob);

  auto sent = RunJob(Enqueue(ana, "outbound"));
  EXPECT_EQ(sent["to"], kBob);
  ASSERT_TRUE(imap_->WaitForMessages(kBob, "Junk", 1, 10s)) << imap_->Log();
  std::string raw = imap_->Messages(kBob, "Junk").at(0).bytes;
  auto m = mail::ParseMessage(raw);
  EXPECT_EQ(m.from.at(0).address, kAna);
  EXPECT_EQ(m.to.at(0).address, kBob);
  EXPECT_EQ(m.FindHeader("X-Postwork-Warmup").value_or(""), handlers::warmup::WarmupTag("t1", ana));
  EXPECT_EQ(m.message_id, sent["messageId"]);
  EXPECT_FALSE(m.subject.empty());
  EXPECT_NE(m.text_body.find("Bob"), std::string::npos) << m.text_body;
  EXPECT_TRUE(imap_->Messages(kAna, "INBOX").empty()) << "never to itself";
  EXPECT_TRUE(imap_->Messages(kAna, "Junk").empty());
  EXPECT_EQ(Events(ana, "sent"), 1);
  EXPECT_EQ(QueryValue("SELECT status FROM warmup_sends WHERE email_account_id = $1", {ana}),
            "sent");

  auto checked = RunJob(Enqueue(bob, "inbound"));
  EXPECT_EQ(checked["spamFolder"], "Junk");
  EXPECT_EQ(checked["foundInSpam"], 1);
  EXPECT_EQ(checked["rescued"], 1);
  EXPECT_TRUE(imap_->Messages(kBob, "Junk").empty());
  auto inbox = imap_->Messages(kBob, "INBOX");
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_NE(inbox[0].flags.find('S'), std::string::npos) << inbox[0].flags;  // \Seen
  EXPECT_NE(inbox[0].flags.find('F'), std::string::npos) << inbox[0].flags;  // \Flagged
  EXPECT_NE(inbox[0].bytes.find(sent["messageId"].get<std::string>()), std::string::npos);
  EXPECT_EQ(Events(bob, "received"), 1);
  EXPECT_EQ(Events(bob, "landed_spam"), 1);
  EXPECT_EQ(Events(bob, "landed_inbox"), 0);
  EXPECT_EQ(Events(bob, "rescued"), 1);

  // A second IMAP look, as any mail client would see it.
  mail::ImapClient look({.host = "127.0.0.1",
                         .port = imap_->port(),
                         .security = mail::ImapSecurity::kNone,
                         .username = kBob,
                         .password = "bob-imap-pw"});
  auto uids = look.SearchUids("INBOX", "FLAGGED SEEN");
  ASSERT_EQ(uids.size(), 1u);
  EXPECT_TRUE(look.SearchUids("Junk", "ALL").empty());

  // Checking again records nothing twice.
  auto again = RunJob(Enqueue(bob, "inbound", 2));
  EXPECT_EQ(again["rescued"], 0);
  EXPECT_EQ(again["newPlacements"], 0);
  EXPECT_EQ(Events(bob, "received"), 1);
  EXPECT_EQ(QueryInt("SELECT spam FROM warmup_account_stats WHERE email_account_id = $1", {ana}),
            1);
  EXPECT_EQ(QueryValue("SELECT inbox_placement_rate::text FROM warmup_account_stats "
                       "WHERE email_account_id = $1",
                       {ana}),
            "0.0000");
  EXPECT_EQ(QueryInt("SELECT sent FROM warmup_account_stats WHERE email_account_id = $1", {ana}),
            1);
}

TEST_F(WarmupTest, ARetriedOutboundJobDoesNotSendTwice) {
  StartMailServers();
  std::string ana = WarmupAccount(kAna, "Ana Sender", "ana-imap-pw");
  WarmupAccount(kBob, "Bob Peer", "bob-imap-pw");
  std::string job = Enqueue(ana, "outbound");
  auto first = RunJob(job);
  ASSERT_TRUE(imap_->WaitForMessages(kBob, "INBOX", 1, 10s));
  // The same job run again (a re-run after a lost acknowledgement), straight
  // through the handler: it finds its claim and sends nothing.
  auto registry = Handlers();
  const Handler* handler = registry.Find("queue:warmup:process");
  ASSERT_NE(handler, nullptr);
  nlohmann::json payload = {{"email_account_id", ana}, {"warmup_type", "outbound"}};
  std::string queue = "queue:warmup:process", tenant = "t1";
  CancellationToken cancel;
  JobContext ctx{.job_id = job,
                 .queue = queue,
                 .tenant_id = tenant,
                 .attempt = 2,
                 .max_attempts = 5,
                 .payload = payload,
                 .cancel = cancel,
                 .progress = {}};
  Outcome again = (*handler)(ctx);
  ASSERT_EQ(again.kind, Outcome::Kind::kCompleted) << again.error;
  EXPECT_EQ(again.result["duplicate"], true);
  EXPECT_EQ(again.result["messageId"], first["messageId"]);
  EXPECT_EQ(imap_->Messages(kBob, "INBOX").size(), 1u);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM warmup_sends"), 1);
  EXPECT_EQ(Events(ana, "sent"), 1);
}

TEST_F(WarmupTest, EngagementRepliesInThreadToEveryMessageAtFullRate) {
  StartMailServers();
  std::string ana = WarmupAccount(kAna, "Ana Sender", "ana-imap-pw");
  std::string bob = WarmupAccount(kBob, "Bob Peer", "bob-imap-pw", /*reply_rate=*/100);
  auto sent = RunJob(Enqueue(ana, "outbound"));
  ASSERT_TRUE(imap_->WaitForMessages(kBob, "INBOX", 1, 10s));
  auto original = mail::ParseMessage(imap_->Messages(kBob, "INBOX").at(0).bytes);
  RunJob(Enqueue(bob, "inbound"));
  EXPECT_EQ(Events(bob, "landed_inbox"), 1);

  auto engaged = RunJob(Enqueue(bob, "engagement"));
  EXPECT_EQ(engaged["replied"], 1);
  ASSERT_TRUE(imap_->WaitForMessages(kAna, "INBOX", 1, 10s));
  auto reply = mail::ParseMessage(imap_->Messages(kAna, "INBOX").at(0).bytes);
  EXPECT_EQ(reply.from.at(0).address, kBob);
  EXPECT_EQ(reply.subject, "Re: " + original.subject);
  EXPECT_EQ(reply.in_reply_to, original.message_id);
  ASSERT_FALSE(reply.references.empty());
  EXPECT_EQ(reply.references.back(), original.message_id);
  EXPECT_EQ(reply.FindHeader("X-Postwork-Warmup").value_or(""),
            handlers::warmup::WarmupTag("t1", bob));
  EXPECT_EQ(Events(bob, "replied"), 1);

  // Again: nothing left to answer. Ana's inbox check sees the reply; her
  // engagement does not answer a reply.
  EXPECT_EQ(RunJob(Enqueue(bob, "engagement", 2))["replied"], 0);
  RunJob(Enqueue(ana, "inbound"));
  EXPECT_EQ(Events(ana, "received"), 1);
  EXPECT_EQ(RunJob(Enqueue(ana, "engagement"))["replied"], 0);
  EXPECT_EQ(imap_->Messages(kAna, "INBOX").size(), 1u);
  EXPECT_EQ(imap_->Messages(kBob, "INBOX").size(), 1u);
  EXPECT_EQ(QueryInt("SELECT replies FROM warmup_account_stats WHERE email_account_id = $1", {bob}),
            1);
}

TEST_F(WarmupTest, EngagementAtZeroRateRepliesToNothing) {
  StartMailServers();
  std::string ana = WarmupAccount(kAna, "Ana Sender", "ana-imap-pw");
  std::string bob = WarmupAccount(kBob, "Bob Peer", "bob-imap-pw", /*reply_rate=*/0);
  RunJob(Enqueue(ana, "outbound"));
  RunJob(Enqueue(ana, "outbound", 2));
  ASSERT_TRUE(imap_->WaitForMessages(kBob, "INBOX", 2, 10s));
  RunJob(Enqueue(bob, "inbound"));
  auto engaged = RunJob(Enqueue(bob, "engagement"));
  EXPECT_EQ(engaged["considered"], 2);
  EXPECT_EQ(engaged["replied"], 0);
  EXPECT_TRUE(imap_->Messages(kAna, "INBOX").empty());
  EXPECT_EQ(Events(bob, "replied"), 0);
}

TEST_F(WarmupTest, UnknownTypeMissingConfigAndPausedAccounts) {
  std::string ana = Account("t1", kAna, 2525);
  std::string bogus = Enqueue(ana, "bogus");
  RunJob(bogus, "failed");
  EXPECT_EQ(LastError(bogus), "Unknown warmup type: bogus");

  std::string no_config = Enqueue(ana, "outbound");
  RunJob(no_config, "failed");
  EXPECT_NE(LastError(no_config).find("has no enabled warmup configuration"), std::string::npos)
      << LastError(no_config);

  Config(ana);
  db().Exec(
      "UPDATE warmup_configs SET paused_at = now(), paused_reason = 'manual' WHERE "
      "email_account_id = $1",
      {ana});
  auto skipped = RunJob(Enqueue(ana, "outbound"));
  EXPECT_EQ(skipped["skipped"], true);
  EXPECT_NE(skipped["reason"].get<std::string>().find("manual"), std::string::npos);

  std::string other_tenant =
      client()
          .Enqueue("queue:warmup:process", {{"email_account_id", ana}, {"warmup_type", "inbound"}},
                   {.tenant_id = "t2"})
          .id;
  RunJob(other_tenant, "failed");
}

TEST_F(WarmupTest, ABounceOfAWarmupEmailPausesTheSenderOnceAndPublishes) {
  StartMailServers();
  std::string ana = WarmupAccount(kAna, "Ana Sender", "ana-imap-pw");
  WarmupAccount(kBob, "Bob Peer", "bob-imap-pw");
  auto sent = RunJob(Enqueue(ana, "outbound"));
  std::string message_id = sent["messageId"];

  std::vector<handlers::warmup::WarmupPaused> published;
  std::mutex mu;
  core::HandlerRegistry handlers;
  handlers.Register("bounce", handlers::email::BounceHandler(
                                  {.database_url = Servers().database_url,
                                   .redis_url = Servers().redis_url,
                                   .settings = config_.email,
                                   .on_warmup_paused = [&](pg::Connection&, const auto& e) {
                                     std::lock_guard lock(mu);
                                     published.push_back(e);
                                   }}));
  auto bounce = [&] {
    return client()
        .Enqueue("queue:bounce:process",
                 {{"message_id", "<" + message_id + ">"},
                  {"bounce_type", "hard"},
                  {"bounce_reason", "550 5.1.1 no such user"},
                  {"recipient_email", kBob}},
                 {.tenant_id = "t1"})
        .id;
  };
  std::string first = bounce(), second = bounce();
  RunningWorker w(TestWorkerOptions({"queue:bounce:process"}), handlers);
  ASSERT_TRUE(WaitStatus(first, "completed")) << LastError(first);
  ASSERT_TRUE(WaitStatus(second, "completed")) << LastError(second);
  EXPECT_EQ(JobResult(first)["warmup"], true);
  EXPECT_NE(JobResult(first)["paused"], JobResult(second)["paused"]);  // exactly one paused it
  EXPECT_NE(QueryValue("SELECT paused_at FROM warmup_configs WHERE email_account_id = $1", {ana}),
            "");
  std::string reason =
      QueryValue("SELECT paused_reason FROM warmup_configs WHERE email_account_id = $1", {ana});
  EXPECT_NE(reason.find("hard bounce"), std::string::npos) << reason;
  EXPECT_NE(reason.find("5.1.1"), std::string::npos) << reason;
  EXPECT_EQ(Events(ana, "bounced"), 1);
  EXPECT_EQ(Events(ana, "paused"), 1);
  std::lock_guard lock(mu);
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].account_id, ana);
  EXPECT_EQ(published[0].tenant_id, "t1");
  EXPECT_EQ(published[0].message_id, message_id);
  w.Stop();

  // Paused: its warmup jobs now complete without sending.
  auto skipped = RunJob(Enqueue(ana, "outbound", 2));
  EXPECT_EQ(skipped["skipped"], true);
  EXPECT_EQ(imap_->Messages(kBob, "INBOX").size(), 1u);
}

TEST_F(WarmupTest, PlanningADayTwiceCreatesEachJobOnce) {
  std::string ana = Account("t1", kAna, 2525);
  std::string bob = Account("t1", kBob, 2525);
  Config(ana);
  Config(bob);
  db().Exec(
      "UPDATE warmup_configs SET start_volume = 5, daily_increment = 2, max_per_day = 40, "
      "ramp_start_date = '2030-01-01', inbound_checks_per_day = 2");
  db().Exec("UPDATE warmup_configs SET paused_at = now() WHERE email_account_id = $1", {bob});
  auto date = handlers::warmup::ParseDate("2030-01-04");  // day 3 of the ramp: 11 sends
  int64_t now_ms = core::SystemClock::Instance().NowMs();
  auto first = handlers::warmup::PlanWarmupDay(db(), client(), {.date = date, .now_ms = now_ms});
  EXPECT_EQ(first.accounts, 1);  // bob is paused
  EXPECT_EQ(first.outbound, 11);
  EXPECT_EQ(first.jobs_planned, 15);
  EXPECT_EQ(first.jobs_created, 15);
  auto again = handlers::warmup::PlanWarmupDay(db(), client(), {.date = date, .now_ms = now_ms});
  EXPECT_EQ(again.jobs_planned, 15);
  EXPECT_EQ(again.jobs_created, 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE id LIKE $1",
                     {"warmup:" + ana + ":2030-01-04:outbound:%"}),
            11);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs"), 15);
  EXPECT_EQ(
      QueryInt("SELECT count(*) FROM jobs WHERE run_at < '2030-01-04' OR run_at >= '2030-01-05'"),
      0);
  EXPECT_EQ(
      QueryInt(
          "SELECT count(*) FROM jobs WHERE tenant_id = 't1' AND payload->>'email_account_id' = $1",
          {ana}),
      15);
  // The cron tick's payload runs the same planner through the queue.
  std::string tick = client()
                         .Enqueue("queue:warmup:process", {{"plan", true}, {"date", "2030-01-05"}},
                                  {.id = "cron:warmup-planner:test"})
                         .id;
  auto planned = RunJob(tick);
  EXPECT_EQ(planned["outbound"], 13);
  EXPECT_EQ(planned["jobsCreated"], 17);

  auto [bad_code, bad_out] = RunPostwork({"warmup", "plan", "--date", "2030-02-30"});
  EXPECT_EQ(bad_code, 2) << bad_out;
  auto [code, out] = RunPostwork({"warmup", "plan", "--date", "2030-01-04", "--json"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("\"jobs_created\":0"), std::string::npos) << out;
  auto [status_code, status] = RunPostwork({"warmup", "status", "--tenant", "t1", "--json"});
  EXPECT_EQ(status_code, 0) << status;
  EXPECT_NE(status.find(kAna), std::string::npos) << status;
  EXPECT_EQ(RunPostwork({"warmup", "bogus"}).first, 2);
}

}  // namespace
}  // namespace postwork::testing
