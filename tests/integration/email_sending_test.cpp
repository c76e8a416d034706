// queue:email-sending against real PostgreSQL, Redis and an aiosmtpd server:
// assertions are on the bytes the server stored.
#include <gtest/gtest.h>

#include <chrono>

#include "handlers/email_common/unsubscribe_token.hpp"
#include "mail/mime_parser.hpp"
#include "support/email_fixture.hpp"
#include "support/smtp_sink.hpp"
#include "support/worker_fixture.hpp"

namespace postwork::testing {
namespace {
using namespace std::chrono_literals;
using test_support::SmtpSink;

const std::vector<std::string> kQueues = {"queue:email-sending"};

class EmailSendingTest : public EmailTest {
 protected:
  void Seed(uint16_t port, int daily_limit = 1000, int min_gap = 0) {
    Tenant("t1");
    account_ = Account("t1", "ana@sender.example", port, daily_limit, min_gap);
    template_ =
        Template("t1", "{Hi|Hello|Hey} {{first_name|there}}, about {{company}}",
                 "Dear {{first_name|there}},\nWe love {{company}} in {{city|your city}}.\n",
                 "<p>Dear {{first_name|there}}, we love <b>{{company}}</b> in {{city}}.</p>");
    campaign_ = Campaign("t1", account_, template_);
  }
  std::string Send(const std::string& lead, int step = 1, EnqueueOptions opts = {}) {
    opts.tenant_id = opts.tenant_id.empty() ? "t1" : opts.tenant_id;
    return client()
        .Enqueue("email-sending",
                 {{"campaign_id", campaign_},
                  {"recipient_id", lead},
                  {"step", step},
                  {"personalizations", {{"city", "Lisbon"}}}},
                 opts)
        .id;
  }
  std::string account_, template_, campaign_;
};

TEST_F(EmailSendingTest, SendsAPersonalizedMultipartMessageWithOneClickUnsubscribe) {
  SmtpSink sink;
  Seed(sink.port());
  std::string lead = Lead("t1", "bob@lead.example", "Bob", "<Acme & Co>");
  std::string job = Send(lead);
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(job, "completed"))
      << QueryValue("SELECT last_error FROM jobs WHERE id=$1", {job});
  ASSERT_TRUE(sink.WaitForMessages(1, 10s)) << sink.Log();
  std::string raw = sink.Messages().at(0);
  auto m = mail::ParseMessage(raw);

  // Headers.
  ASSERT_EQ(m.from.size(), 1u);
  EXPECT_EQ(m.from[0].address, "ana@sender.example");
  EXPECT_EQ(m.from[0].name, "Ana Sender");
  ASSERT_EQ(m.to.size(), 1u);
  EXPECT_EQ(m.to[0].address, "bob@lead.example");
  EXPECT_EQ(m.to[0].name, "Bob Stone");
  EXPECT_TRUE(m.subject == "Hi Bob, about <Acme & Co>" ||
              m.subject == "Hello Bob, about <Acme & Co>" ||
              m.subject == "Hey Bob, about <Acme & Co>")
      << m.subject;
  EXPECT_TRUE(m.FindHeader("Date").has_value());
  EXPECT_NE(m.message_id.find("@sender.example"), std::string::npos) << m.message_id;
  auto unsub = m.FindHeader("List-Unsubscribe");
  ASSERT_TRUE(unsub.has_value());
  EXPECT_EQ(unsub->rfind("<https://unsub.example.test/u?token=", 0), 0u) << *unsub;
  std::string token = unsub->substr(unsub->find("token=") + 6);
  token.pop_back();  // '>'
  auto subject = handlers::email::VerifyUnsubscribeToken("test-unsubscribe-secret", token);
  ASSERT_TRUE(subject.has_value());
  EXPECT_EQ(subject->tenant_id, "t1");
  EXPECT_EQ(subject->lead_id, lead);
  EXPECT_EQ(subject->campaign_id, campaign_);
  EXPECT_EQ(m.FindHeader("List-Unsubscribe-Post").value_or(""), "List-Unsubscribe=One-Click");
  EXPECT_NE(raw.find("multipart/alternative"), std::string::npos);
  EXPECT_NE(raw.find("X-RcptTo: bob@lead.example"), std::string::npos);

  // Bodies: raw values in text, escaped values in HTML, fallback and job personalization used.
  EXPECT_NE(m.text_body.find("We love <Acme & Co> in Lisbon."), std::string::npos) << m.text_body;
  EXPECT_NE(m.html_body.find("<b>&lt;Acme &amp; Co&gt;</b> in Lisbon"), std::string::npos)
      << m.html_body;

  // The delivery row and the job result agree with what the server got.
  EXPECT_EQ(QueryValue("SELECT status FROM email_deliveries WHERE lead_id = $1", {lead}), "sent");
  EXPECT_EQ(QueryValue("SELECT message_id FROM email_deliveries WHERE lead_id = $1", {lead}),
            m.message_id);
  EXPECT_EQ(QueryValue("SELECT provider_response FROM email_deliveries WHERE lead_id = $1", {lead})
                .substr(0, 3),
            "250");
  EXPECT_EQ(
      QueryInt("SELECT count(*) FROM email_deliveries WHERE lead_id = $1 AND sent_at IS NOT NULL",
               {lead}),
      1);
  auto result = JobResult(job);
  EXPECT_EQ(result["success"], true);
  EXPECT_EQ(result["messageId"], m.message_id);
  EXPECT_EQ(Metric(campaign_, "sent"), 1);
  EXPECT_EQ(Metric(campaign_, "delivered"), 1);
}

TEST_F(EmailSendingTest, SpintaxIsStablePerLeadAndCrLfInValuesNeverMakesAHeader) {
  SmtpSink sink;
  Seed(sink.port());
  std::string evil = Lead("t1", "eve@lead.example", "Eve\r\nBcc: victim@else.example\r\nX-Evil: 1");
  std::string job1 = Send(evil, 1);
  std::string job2 = Send(evil, 2);
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(job1, "completed"));
  ASSERT_TRUE(WaitStatus(job2, "completed"));
  ASSERT_TRUE(sink.WaitForMessages(2, 10s));
  auto messages = sink.Messages();
  for (const auto& raw : messages) {
    auto m = mail::ParseMessage(raw);
    EXPECT_FALSE(m.FindHeader("Bcc").has_value()) << raw;
    EXPECT_FALSE(m.FindHeader("X-Evil").has_value()) << raw;
    std::string head = raw.substr(0, raw.find("\n\n"));
    EXPECT_EQ(head.find("\nBcc:"), std::string::npos) << head;
    EXPECT_EQ(head.find("\nX-Evil:"), std::string::npos) << head;
    EXPECT_EQ(raw.find("X-RcptTo: victim"), std::string::npos);
    EXPECT_NE(m.subject.find("Eve Bcc: victim@else.example X-Evil: 1"), std::string::npos)
        << m.subject;
  }
  // The same lead sees the same spintax variant on every step.
  auto s1 = mail::ParseMessage(messages[0]).subject, s2 = mail::ParseMessage(messages[1]).subject;
  EXPECT_EQ(s1.substr(0, s1.find(' ')), s2.substr(0, s2.find(' ')));
}

TEST_F(EmailSendingTest, TheSameStepFromManyWorkersAtOnceReachesTheServerOnce) {
  SmtpSink sink;
  Seed(sink.port());
  std::string lead = Lead("t1", "once@lead.example");
  std::vector<std::string> jobs;
  for (int i = 0; i < 12; ++i) jobs.push_back(Send(lead));
  {
    auto opts = TestWorkerOptions(kQueues);
    opts.concurrency = 4;
    RunningWorker w1(opts, Handlers()), w2(opts, Handlers()), w3(opts, Handlers());
    for (const auto& id : jobs) ASSERT_TRUE(WaitStatus(id, "completed")) << id;
  }
  ASSERT_TRUE(sink.WaitForMessages(1, 10s));
  EXPECT_EQ(sink.Messages().size(), 1u);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM email_deliveries WHERE lead_id = $1", {lead}), 1);
  EXPECT_EQ(QueryValue("SELECT status FROM email_deliveries WHERE lead_id = $1", {lead}), "sent");
  int sent = 0, duplicates = 0;
  for (const auto& id : jobs) {
    auto r = JobResult(id);
    if (r.value("duplicate", false))
      ++duplicates;
    else if (r.contains("messageId"))
      ++sent;
  }
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(duplicates, 11);
  EXPECT_EQ(Metric(campaign_, "sent"), 1);
}

TEST_F(EmailSendingTest, ARunThatFindsItsOwnClaimStillSendingMarksItUnknownAndSendsNothing) {
  SmtpSink sink;
  Seed(sink.port());
  std::string lead = Lead("t1", "crash@lead.example");
  // What a worker leaves behind when it dies between the server's 250 and the
  // database write: the claim, still 'sending', under this job's id.
  db().Exec(
      "INSERT INTO email_deliveries (tenant_id, campaign_id, lead_id, step, email_account_id, "
      "recipient_email, job_id, message_id, status, claimed_at) VALUES "
      "('t1', $1, $2, 1, $3, 'crash@lead.example', 'job-crashed', 'm1@sender.example', "
      "'sending', now())",
      {campaign_, lead, account_});
  std::string job = Send(lead, 1, {.id = "job-crashed"});
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(job, "failed"));
  EXPECT_EQ(QueryValue("SELECT status FROM email_deliveries WHERE lead_id = $1", {lead}),
            "unknown");
  EXPECT_NE(QueryValue("SELECT last_error FROM jobs WHERE id = $1", {job}).find("unknown"),
            std::string::npos);
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {job}), 1);
  EXPECT_EQ(Metric(campaign_, "unknown"), 1);
  // Another job for the same step is a duplicate and sends nothing either.
  std::string again = Send(lead);
  ASSERT_TRUE(WaitStatus(again, "completed"));
  EXPECT_EQ(JobResult(again)["status"], "unknown");
  EXPECT_TRUE(sink.Messages().empty());
}

TEST_F(EmailSendingTest, SuppressedUnsubscribedAndRepliedLeadsAreSkippedWithoutMail) {
  SmtpSink sink;
  Seed(sink.port());
  std::string suppressed = Lead("t1", "Listed@Lead.example");
  db().Exec(
      "INSERT INTO suppressions (tenant_id, email, reason) VALUES ('t1', 'listed@lead.example', "
      "'manual')");
  std::string unsubscribed = Lead("t1", "gone@lead.example");
  db().Exec("UPDATE leads SET status = 'unsubscribed' WHERE id = $1", {unsubscribed});
  std::string replied = Lead("t1", "talked@lead.example");
  db().Exec("UPDATE leads SET status = 'replied' WHERE id = $1", {replied});
  std::string ok = Lead("t1", "fine@lead.example");
  auto j1 = Send(suppressed), j2 = Send(unsubscribed), j3 = Send(replied), j4 = Send(ok);
  auto j5 = Send(suppressed);  // counted once
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  for (const auto& j : {j1, j2, j3, j4, j5}) ASSERT_TRUE(WaitStatus(j, "completed")) << j;
  ASSERT_TRUE(sink.WaitForMessages(1, 10s));
  auto messages = sink.Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("X-RcptTo: fine@lead.example"), std::string::npos);
  EXPECT_EQ(JobResult(j1)["status"], "suppressed");
  EXPECT_EQ(JobResult(j2)["status"], "suppressed");
  EXPECT_EQ(JobResult(j3)["status"], "skipped");
  EXPECT_EQ(JobResult(j3)["reason"], "lead replied");
  EXPECT_EQ(Metric(campaign_, "suppressed"), 2);
  EXPECT_EQ(Metric(campaign_, "skipped"), 1);
  EXPECT_EQ(Metric(campaign_, "sent"), 1);
}

TEST_F(EmailSendingTest, DailyLimitAndMinimumGapRescheduleWithoutUsingAnAttempt) {
  SmtpSink sink;
  Seed(sink.port(), /*daily_limit=*/1);
  std::string gap_account = Account("t1", "gap@sender.example", sink.port(), 1000, 3600);
  std::string gap_campaign = Campaign("t1", gap_account, template_);
  std::string a = Lead("t1", "a@lead.example"), b = Lead("t1", "b@lead.example");
  std::string c = Lead("t1", "c@lead.example"), d = Lead("t1", "d@lead.example");
  auto ja = Send(a);
  auto jc = client()
                .Enqueue("email-sending", {{"campaign_id", gap_campaign}, {"recipient_id", c}},
                         {.tenant_id = "t1"})
                .id;
  {
    RunningWorker w(TestWorkerOptions(kQueues), Handlers());
    ASSERT_TRUE(WaitStatus(ja, "completed"));
    ASSERT_TRUE(WaitStatus(jc, "completed"));
  }
  auto jb = Send(b);
  auto jd = client()
                .Enqueue("email-sending", {{"campaign_id", gap_campaign}, {"recipient_id", d}},
                         {.tenant_id = "t1"})
                .id;
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt(
               "SELECT count(*) FROM job_executions WHERE job_id IN ($1, $2) AND status = "
               "'rescheduled'",
               {jb, jd}) == 2;
  }));
  // b waits for the next UTC midnight, d for the end of the hour-long gap.
  auto now = std::chrono::system_clock::now();
  int64_t midnight = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::ceil<std::chrono::days>(now).time_since_epoch())
                         .count();
  EXPECT_EQ(QueryInt("SELECT extract(epoch FROM run_at)::bigint FROM jobs WHERE id = $1", {jb}),
            midnight);
  int64_t last =
      QueryInt("SELECT extract(epoch FROM last_send_at)::bigint FROM email_accounts WHERE id = $1",
               {gap_account});
  EXPECT_NEAR(QueryInt("SELECT extract(epoch FROM run_at)::bigint FROM jobs WHERE id = $1", {jd}),
              last + 3600, 1);
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {jb}), 0);
  EXPECT_EQ(sink.Messages().size(), 2u);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM email_deliveries WHERE lead_id IN ($1, $2)", {b, d}), 0);
}

TEST_F(EmailSendingTest, OutsideTheSendingWindowReschedulesToItsNextOpening) {
  SmtpSink sink;
  Seed(sink.port());
  // A one-hour window in Asia/Tokyo that is not open now: it opens at the
  // next local hour + 2 (or tomorrow's 00:00 late in the day).
  auto now = std::chrono::system_clock::now();
  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  int64_t tokyo = now_s + 9 * 3600;  // Japan has no DST
  int hour = static_cast<int>((tokyo % 86400) / 3600);
  int start = hour + 2 <= 23 ? hour + 2 : 0;
  db().Exec(
      "UPDATE campaigns SET time_zone = 'Asia/Tokyo', send_start_hour = $2, send_end_hour = $3 "
      "WHERE id = $1",
      {campaign_, std::to_string(start), std::to_string(start + 1)});
  int64_t local_midnight = tokyo - tokyo % 86400;
  int64_t opening =
      (start > hour ? local_midnight : local_midnight + 86400) + start * 3600 - 9 * 3600;
  std::string lead = Lead("t1", "later@lead.example");
  auto job = Send(lead);
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt(
               "SELECT count(*) FROM job_executions WHERE job_id = $1 AND status = 'rescheduled'",
               {job}) == 1;
  }));
  EXPECT_EQ(QueryInt("SELECT extract(epoch FROM run_at)::bigint FROM jobs WHERE id = $1", {job}),
            opening);
  EXPECT_NE(QueryValue("SELECT last_error FROM jobs WHERE id = $1", {job}).find("sending window"),
            std::string::npos);
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {job}), 0);
  EXPECT_TRUE(sink.Messages().empty());
}

TEST_F(EmailSendingTest, RecipientRejected511TakesTheHardBouncePath) {
  SmtpSink sink(SmtpSink::Handler::kScripted);
  Seed(sink.port());
  std::string lead = Lead("t1", "unknown.user@lead.example");
  auto job = Send(lead);
  auto later = Send(lead, 2,
                    {.run_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count() +
                                  3'600'000});
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(job, "failed"));
  EXPECT_NE(QueryValue("SELECT last_error FROM jobs WHERE id = $1", {job}).find("550"),
            std::string::npos);
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {job}), 1);
  EXPECT_EQ(
      QueryValue("SELECT status || '/' || bounce_type FROM email_deliveries WHERE lead_id = $1",
                 {lead}),
      "bounced/hard");
  EXPECT_NE(QueryValue("SELECT bounce_reason FROM email_deliveries WHERE lead_id = $1", {lead})
                .find("5.1.1"),
            std::string::npos);
  EXPECT_EQ(QueryValue("SELECT reason FROM suppressions WHERE email = 'unknown.user@lead.example'"),
            "hard_bounce");
  EXPECT_EQ(QueryValue("SELECT status FROM leads WHERE id = $1", {lead}), "bounced");
  EXPECT_EQ(JobStatus(later), "cancelled");
  EXPECT_EQ(Metric(campaign_, "hard_bounces"), 1);
  EXPECT_EQ(Metric(campaign_, "sent"), 0);
  EXPECT_TRUE(sink.Messages().empty());
}

TEST_F(EmailSendingTest, TemporaryRejectionRetriesThenFailsAndNeverCountsAsSent) {
  SmtpSink sink(SmtpSink::Handler::kScripted);
  Seed(sink.port());
  std::string lead = Lead("t1", "busy.box@lead.example");
  auto job = Send(lead, 1, {.max_attempts = 2});
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(job, "retry_scheduled"));
  EXPECT_EQ(QueryValue("SELECT status FROM email_deliveries WHERE lead_id = $1", {lead}),
            "deferred");
  ASSERT_TRUE(WaitStatus(job, "failed"));
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {job}), 2);
  EXPECT_EQ(QueryValue("SELECT status FROM email_deliveries WHERE lead_id = $1", {lead}), "failed");
  EXPECT_EQ(QueryInt("SELECT smtp_attempts FROM email_deliveries WHERE lead_id = $1", {lead}), 2);
  EXPECT_NE(QueryValue("SELECT provider_response FROM email_deliveries WHERE lead_id = $1", {lead})
                .find("451"),
            std::string::npos);
  EXPECT_EQ(Metric(campaign_, "failed"), 1);
  EXPECT_EQ(Metric(campaign_, "sent"), 0);
}

TEST_F(EmailSendingTest, EncryptedPasswordIsUsedForAuthOverStartTlsAndNeverStoredOrShownInClear) {
  SmtpSink sink(SmtpSink::Handler::kScripted, SmtpSink::Tls::kStartTls);
  config_.email.smtp_ca_file = sink.cert_path().string();
  Tenant("t1");
  std::string account = Account("t1", "ana@sender.example", sink.port(), 100, 0, "starttls",
                                "ana@sender.example", "correct horse battery staple");
  std::string stored =
      QueryValue("SELECT smtp_password_enc FROM email_accounts WHERE id = $1", {account});
  EXPECT_EQ(stored.rfind("v1:", 0), 0u);
  EXPECT_EQ(stored.find("correct horse"), std::string::npos);
  template_ = Template("t1", "Hello", "Hi there", "");
  campaign_ = Campaign("t1", account, template_);
  std::string lead = Lead("t1", "auth@lead.example");
  auto job = Send(lead);
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(job, "completed"))
      << QueryValue("SELECT last_error FROM jobs WHERE id=$1", {job});
  ASSERT_TRUE(sink.WaitForMessages(1, 10s));
  auto [code, out] = RunPostwork({"accounts", "list", "--tenant", "t1"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("ana@sender.example"), std::string::npos);
  EXPECT_NE(out.find("encrypted"), std::string::npos);
  EXPECT_EQ(out.find("correct horse"), std::string::npos);
  EXPECT_EQ(out.find(stored), std::string::npos);
}

TEST_F(EmailSendingTest, AJobNamingAnotherTenantsCampaignFailsPermanentlyAndTouchesNothing) {
  SmtpSink sink;
  Seed(sink.port());
  std::string lead = Lead("t1", "mine@lead.example");
  Tenant("t2");
  std::string other_lead = Lead("t2", "theirs@lead.example");
  auto foreign_campaign = Send(lead, 1, {.tenant_id = "t2"});
  auto foreign_lead =
      client()
          .Enqueue("email-sending", {{"campaign_id", campaign_}, {"recipient_id", other_lead}},
                   {.tenant_id = "t1"})
          .id;
  auto mismatch =
      client()
          .Enqueue("email-sending",
                   {{"tenant_id", "t2"}, {"campaign_id", campaign_}, {"recipient_id", lead}},
                   {.tenant_id = "t1"})
          .id;
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  for (const auto& j : {foreign_campaign, foreign_lead, mismatch}) {
    ASSERT_TRUE(WaitStatus(j, "failed")) << j;
    EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {j}), 1);
  }
  EXPECT_NE(
      QueryValue("SELECT last_error FROM jobs WHERE id = $1", {foreign_campaign}).find("not found"),
      std::string::npos);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM email_deliveries"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM campaign_metrics"), 0);
  EXPECT_TRUE(sink.Messages().empty());
}

}  // namespace
}  // namespace postwork::testing
