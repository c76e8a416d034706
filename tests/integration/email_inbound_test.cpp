// queue:email:processing and queue:bounce:process against real PostgreSQL and
// Redis, with in-process workers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mail/codec.hpp"
#include "support/email_fixture.hpp"
#include "support/worker_fixture.hpp"

namespace postwork::testing {
namespace {
using namespace std::chrono_literals;

const std::vector<std::string> kQueues = {"queue:email:processing", "queue:bounce:process",
                                          "queue:email-sending"};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class EmailInboundTest : public EmailTest {
 protected:
  void SetUp() override {
    EmailTest::SetUp();
    Tenant("t1");
    account_ = Account("t1", "ana@sender.example", 2525);
    template_ = Template("t1", "Hello", "Hi", "");
    campaign_ = Campaign("t1", account_, template_);
  }
  // A delivery the server accepted, counted as sent and delivered.
  std::string Delivered(const std::string& lead, const std::string& message_id, int step = 1,
                        const std::string& campaign = "") {
    std::string c = campaign.empty() ? campaign_ : campaign;
    std::string email = QueryValue("SELECT email FROM leads WHERE id = $1", {lead});
    std::string id =
        db().Exec(
                "INSERT INTO email_deliveries (tenant_id, campaign_id, lead_id, step, "
                "email_account_id, recipient_email, message_id, status, claimed_at, sent_at) "
                "VALUES ('t1', $1, $2, $3, $4, $5, $6, 'sent', now(), now()) RETURNING id",
                {c, lead, std::to_string(step), account_, email, message_id})
            .Get(0, 0);
    db().Exec(
        "INSERT INTO campaign_metric_shards (tenant_id, campaign_id, sent, delivered) VALUES "
        "('t1', $1, 1, 1) ON CONFLICT (tenant_id, campaign_id, shard) DO UPDATE SET "
        "sent = campaign_metric_shards.sent + 1, delivered = campaign_metric_shards.delivered + 1",
        {c});
    return id;
  }
  std::string Incoming(const nlohmann::json& payload, const std::string& tenant = "t1") {
    return client().Enqueue("email:processing", payload, {.tenant_id = tenant}).id;
  }
  std::string Bounce(const nlohmann::json& payload, const std::string& tenant = "t1") {
    return client().Enqueue("bounce:process", payload, {.tenant_id = tenant}).id;
  }
  std::string account_, template_, campaign_;
};

std::string ReplyRaw(const std::string& message_id, const std::string& in_reply_to,
                     const std::string& extra_headers = "") {
  return "From: Bob Stone <bob@lead.example>\r\n"
         "To: ana@sender.example\r\n"
         "Subject: Re: Hello\r\n"
         "Message-ID: <" +
         message_id +
         ">\r\n"
         "In-Reply-To: <" +
         in_reply_to +
         ">\r\n"
         "References: <older@sender.example> <" +
         in_reply_to + ">\r\n" + extra_headers +
         "Date: Tue, 14 Oct 2025 16:12:30 +0000\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "\r\n"
         "Sounds good, let's talk.\r\n";
}

TEST_F(EmailInboundTest, SeedPayloadIsStoredOnceWithEscapedHtmlAndDeduplicatedAttachments) {
  std::string pdf = std::string("%PDF-1.4\0binary\xff", 16);
  nlohmann::json payload = {{"tenant_id", "t1"},
                            {"email_account_id", account_},
                            {"direction", "inbound"},
                            {"type", "email"},
                            {"from", "bob@lead.example"},
                            {"to", {"ana@sender.example", "ops@sender.example"}},
                            {"subject", "Question"},
                            {"body", {{"plain", "Is <this> & that ok?\n\nThanks"}}},
                            {"headers", {{"X-Mailer", "Test"}}},
                            {"messageId", "<q1@lead.example>"},
                            {"attachments",
                             {{{"filename", "a.pdf"},
                               {"contentType", "application/pdf"},
                               {"content", mail::Base64Encode(pdf)}},
                              {{"filename", "copy.pdf"},
                               {"contentType", "application/pdf"},
                               {"content", mail::Base64Encode(pdf)}}}}};
  auto first = Incoming(payload);
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(first, "completed"))
      << QueryValue("SELECT last_error FROM jobs WHERE id=$1", {first});
  auto second = Incoming(payload);
  ASSERT_TRUE(WaitStatus(second, "completed"));

  auto r1 = JobResult(first), r2 = JobResult(second);
  EXPECT_EQ(r1["success"], true);
  EXPECT_EQ(r1["duplicate"], false);
  EXPECT_EQ(r2["duplicate"], true);
  EXPECT_EQ(r1["storageKey"], r2["storageKey"]);
  std::string key = r1["storageKey"];
  EXPECT_EQ(key.rfind("email_q1@lead.example_", 0), 0u) << key;
  EXPECT_EQ(QueryInt("SELECT count(*) FROM email_messages"), 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM email_content"), 1);
  EXPECT_EQ(QueryValue("SELECT content_html FROM email_content WHERE storage_key = $1", {key}),
            "<p>Is &lt;this&gt; &amp; that ok?</p>\n<p>Thanks</p>");
  EXPECT_EQ(QueryValue("SELECT content_text FROM email_content WHERE storage_key = $1", {key}),
            "Is <this> & that ok?\n\nThanks");
  EXPECT_EQ(QueryInt("SELECT retention_days FROM email_content WHERE storage_key = $1", {key}),
            2555);
  EXPECT_EQ(
      QueryValue("SELECT headers->>'X-Mailer' FROM email_content WHERE storage_key = $1", {key}),
      "Test");
  EXPECT_EQ(QueryValue("SELECT to_email || '|' || status || '|' || message_type || '|' || "
                       "direction FROM email_messages"),
            "ana@sender.example,ops@sender.example|received|email|inbound");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM email_attachments"), 1);
  EXPECT_EQ(QueryValue("SELECT sha256 FROM email_attachments"), mail::Sha256Hex(pdf));
  EXPECT_EQ(QueryValue("SELECT encode(data, 'hex') FROM email_attachments"), mail::HexEncode(pdf));
  EXPECT_EQ(
      QueryValue(
          "SELECT string_agg(filename, ',' ORDER BY position) FROM email_message_attachments"),
      "a.pdf,copy.pdf");
}

TEST_F(EmailInboundTest, RawMimeIsParsedWithCharsetsEncodedWordsAndAttachmentsOnDisk) {
  auto dir = std::filesystem::temp_directory_path() / ("pw-att-" + std::to_string(::getpid()));
  config_.email.attachments_dir = dir.string();
  std::string raw =
      "From: =?UTF-8?B?Sm9zw6k=?= <jose@lead.example>\r\n"
      "To: ana@sender.example\r\n"
      "Subject: =?UTF-8?Q?Caf=C3=A9_pr=C3=A9vu?=\r\n"
      "Message-ID: <raw-1@lead.example>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
      "--outer\r\n"
      "Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"
      "--inner\r\n"
      "Content-Type: text/plain; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      "Voil=E0 le caf=E9.\r\n"
      "--inner\r\n"
      "Content-Type: text/html; charset=utf-8\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      mail::Base64Encode("<p>Voil\xc3\xa0</p>") +
      "\r\n"
      "--inner--\r\n"
      "--outer\r\n"
      "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
      "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      mail::Base64Encode("attachment bytes") +
      "\r\n"
      "--outer--\r\n";
  auto job = Incoming({{"raw", raw}, {"email_account_id", account_}});
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(job, "completed"))
      << QueryValue("SELECT last_error FROM jobs WHERE id=$1", {job});
  EXPECT_EQ(QueryValue("SELECT subject FROM email_messages"), "Caf\xc3\xa9 pr\xc3\xa9vu");
  EXPECT_EQ(QueryValue("SELECT from_email FROM email_messages"), "jose@lead.example");
  EXPECT_EQ(QueryValue("SELECT content_text FROM email_content"), "Voil\xc3\xa0 le caf\xc3\xa9.");
  EXPECT_EQ(QueryValue("SELECT content_html FROM email_content"), "<p>Voil\xc3\xa0</p>");
  EXPECT_EQ(QueryInt("SELECT raw_size_bytes FROM email_content"), static_cast<int64_t>(raw.size()));
  std::string sha = mail::Sha256Hex("attachment bytes");
  std::string path = QueryValue("SELECT file_path FROM email_attachments WHERE sha256 = $1", {sha});
  EXPECT_EQ(path, (dir / sha.substr(0, 2) / sha).string());
  EXPECT_EQ(ReadFile(path), "attachment bytes");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM email_attachments WHERE data IS NULL"), 1);
  std::filesystem::remove_all(dir);
}

TEST_F(EmailInboundTest, AReplyMarksTheLeadRepliedCountsOnceAndCancelsItsQueuedSends) {
  std::string lead = Lead("t1", "bob@lead.example");
  Delivered(lead, "out-1@sender.example");
  int64_t in_an_hour = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count() +
                       3'600'000;
  auto step2 = client()
                   .Enqueue("email-sending",
                            {{"campaign_id", campaign_}, {"recipient_id", lead}, {"step", 2}},
                            {.run_at_ms = in_an_hour, .tenant_id = "t1"})
                   .id;
  auto job = Incoming({{"raw", ReplyRaw("reply-1@lead.example", "out-1@sender.example")}});
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(job, "completed"))
      << QueryValue("SELECT last_error FROM jobs WHERE id=$1", {job});
  auto r = JobResult(job);
  EXPECT_EQ(r["classification"], "reply");
  EXPECT_EQ(r["cancelledSends"], 1);
  EXPECT_EQ(QueryValue("SELECT status FROM leads WHERE id = $1", {lead}), "replied");
  EXPECT_EQ(JobStatus(step2), "cancelled");
  EXPECT_EQ(Metric(campaign_, "replies"), 1);
  EXPECT_EQ(QueryValue("SELECT classification FROM email_messages"), "reply");
  EXPECT_EQ(QueryValue("SELECT in_reply_to FROM email_messages"), "out-1@sender.example");
  EXPECT_EQ(QueryValue("SELECT array_to_string(references_ids, ' ') FROM email_messages"),
            "older@sender.example out-1@sender.example");
  // A second reply in the thread (and a re-run of the first) count nothing more.
  auto again = Incoming({{"raw", ReplyRaw("reply-2@lead.example", "out-1@sender.example")}});
  auto rerun = Incoming({{"raw", ReplyRaw("reply-1@lead.example", "out-1@sender.example")}});
  ASSERT_TRUE(WaitStatus(again, "completed"));
  ASSERT_TRUE(WaitStatus(rerun, "completed"));
  EXPECT_EQ(Metric(campaign_, "replies"), 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM email_messages"), 2);
}

TEST_F(EmailInboundTest, AnAutoReplyIsRecordedButIsNotAReply) {
  std::string lead = Lead("t1", "away@lead.example");
  Delivered(lead, "out-2@sender.example");
  auto job = Incoming({{"raw", ReplyRaw("ooo-1@lead.example", "out-2@sender.example",
                                        "Auto-Submitted: auto-replied\r\n")}});
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(job, "completed"));
  EXPECT_EQ(JobResult(job)["classification"], "auto_reply");
  EXPECT_EQ(QueryValue("SELECT status FROM leads WHERE id = $1", {lead}), "active");
  EXPECT_EQ(Metric(campaign_, "auto_replies"), 1);
  EXPECT_EQ(Metric(campaign_, "replies"), 0);
}

TEST_F(EmailInboundTest, ADsnBecomesABounceJobThatSuppressesTheAddress) {
  std::string dsn = ReadFile(std::string(POSTWORK_SOURCE_DIR) + "/tests/data/dsn/gmail.eml");
  std::string lead = Lead("t1", "no.such.user@gmail.com");
  std::string delivery = Delivered(lead, "20251014161230.9f3c2a71b0e4@sender.example");
  auto job = Incoming({{"raw", dsn}});
  auto rerun = Incoming({{"raw", dsn}});
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(job, "completed"))
      << QueryValue("SELECT last_error FROM jobs WHERE id=$1", {job});
  ASSERT_TRUE(WaitStatus(rerun, "completed"));
  auto r = JobResult(job);
  EXPECT_EQ(r["classification"], "bounce");
  ASSERT_EQ(r["bounceJobs"].size(), 1u);
  std::string bounce_job = r["bounceJobs"][0]["jobId"];
  EXPECT_EQ(JobResult(rerun)["bounceJobs"][0]["jobId"], bounce_job);  // not enqueued twice
  ASSERT_TRUE(WaitStatus(bounce_job, "completed"));
  EXPECT_EQ(QueryValue("SELECT payload->>'bounce_type' FROM jobs WHERE id = $1", {bounce_job}),
            "hard");
  EXPECT_EQ(QueryValue("SELECT payload->>'status_code' FROM jobs WHERE id = $1", {bounce_job}),
            "5.1.1");
  EXPECT_EQ(QueryValue("SELECT status || '/' || bounce_type FROM email_deliveries WHERE id = $1",
                       {delivery}),
            "bounced/hard");
  EXPECT_NE(QueryValue("SELECT bounce_reason FROM email_deliveries WHERE id = $1", {delivery})
                .find("550"),
            std::string::npos);
  EXPECT_EQ(QueryValue("SELECT reason FROM suppressions WHERE email = 'no.such.user@gmail.com'"),
            "hard_bounce");
  EXPECT_EQ(QueryValue("SELECT status FROM leads WHERE id = $1", {lead}), "bounced");
  EXPECT_EQ(Metric(campaign_, "hard_bounces"), 1);
  EXPECT_EQ(Metric(campaign_, "delivered"), 0);
}

TEST_F(EmailInboundTest, AnEximPlainTextBounceIsRecognizedByItsFailedRecipientsHeader) {
  std::string bounce = ReadFile(std::string(POSTWORK_SOURCE_DIR) + "/tests/data/dsn/exim.eml");
  std::string lead = Lead("t1", "nobody@rcpt.example");
  std::string delivery = Delivered(lead, "5a5a5a5a01@sender.example");
  auto job = Incoming({{"raw", bounce}});
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(job, "completed"))
      << QueryValue("SELECT last_error FROM jobs WHERE id=$1", {job});
  auto r = JobResult(job);
  EXPECT_EQ(r["classification"], "bounce");
  ASSERT_EQ(r["bounceJobs"].size(), 1u);
  ASSERT_TRUE(WaitStatus(r["bounceJobs"][0]["jobId"], "completed"));
  EXPECT_EQ(QueryValue("SELECT status || '/' || bounce_type FROM email_deliveries WHERE id = $1",
                       {delivery}),
            "bounced/hard");
}

TEST_F(EmailInboundTest, UnknownOrForeignMessageIdFailsWithTheSeedsMessage) {
  Tenant("t2");
  std::string lead = Lead("t1", "x@lead.example");
  Delivered(lead, "mine@sender.example");
  auto unknown = Bounce(
      {{"message_id", "<nope@sender.example>"}, {"bounce_type", "hard"}, {"bounce_reason", "550"}});
  auto foreign = Bounce(
      {{"message_id", "mine@sender.example"}, {"bounce_type", "hard"}, {"bounce_reason", "550"}},
      "t2");
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitStatus(unknown, "failed"));
  ASSERT_TRUE(WaitStatus(foreign, "failed"));
  EXPECT_EQ(QueryValue("SELECT last_error FROM jobs WHERE id = $1", {unknown}),
            "Delivery record not found for message: nope@sender.example");
  EXPECT_EQ(QueryValue("SELECT last_error FROM jobs WHERE id = $1", {foreign}),
            "Delivery record not found for message: mine@sender.example");
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {foreign}), 1);
  EXPECT_EQ(QueryValue("SELECT status FROM email_deliveries"), "sent");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM suppressions"), 0);
}

TEST_F(EmailInboundTest, AnotherTenantsMailNeverTouchesThisTenantsLeadsMetricsOrAccounts) {
  Tenant("t2");
  std::string lead = Lead("t1", "bob@lead.example");
  Delivered(lead, "out-9@sender.example");
  // Tenant t2 receives a reply that names t1's message: stored for t2 only.
  auto reply = Incoming({{"raw", ReplyRaw("reply-9@lead.example", "out-9@sender.example")}}, "t2");
  // Tenant t2 names t1's mailbox.
  auto foreign_account = Incoming(
      {{"raw", ReplyRaw("reply-10@lead.example", "out-9@sender.example")},
       {"email_account_id", account_}},
      "t2");
  // A DSN for t1's message arriving in t2's job: no bounce for t1.
  std::string dsn = ReadFile(std::string(POSTWORK_SOURCE_DIR) + "/tests/data/dsn/gmail.eml");
  std::string victim = Lead("t1", "no.such.user@gmail.com");
  Delivered(victim, "20251014161230.9f3c2a71b0e4@sender.example");
  auto foreign_dsn = Incoming({{"raw", dsn}}, "t2");
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& id : {reply, foreign_account, foreign_dsn}) {
      auto st = JobStatus(id);
      if (st != "completed" && st != "failed") return false;
    }
    return true;
  }));
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt("SELECT count(*) FROM jobs WHERE status NOT IN ('completed', 'failed')") == 0;
  }));
  EXPECT_EQ(JobStatus(foreign_account), "failed");  // not t2's mailbox
  EXPECT_EQ(QueryValue("SELECT status FROM leads WHERE id = $1", {lead}), "active");
  EXPECT_EQ(QueryValue("SELECT status FROM leads WHERE id = $1", {victim}), "active");
  EXPECT_EQ(Metric(campaign_, "replies"), 0);
  EXPECT_EQ(Metric(campaign_, "hard_bounces"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM suppressions"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM email_deliveries WHERE status <> 'sent'"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM email_messages WHERE tenant_id = 't1'"), 0);
}

TEST_F(EmailInboundTest, TheThirdSoftBounceWithinTheWindowCountsAsHard) {
  std::string lead = Lead("t1", "Flaky@lead.example");
  std::vector<std::string> jobs;
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  for (int step = 1; step <= 3; ++step) {
    std::string mid = "soft-" + std::to_string(step) + "@sender.example";
    Delivered(lead, mid, step);
    auto j = Bounce({{"message_id", mid},
                     {"bounce_type", "soft"},
                     {"bounce_reason", "452 4.2.2 Mailbox full"},
                     {"recipient_email", "flaky@lead.example"}});
    ASSERT_TRUE(WaitStatus(j, "completed"));
    jobs.push_back(j);
    if (step < 3) {
      EXPECT_EQ(QueryInt("SELECT count(*) FROM suppressions"), 0) << step;
    }
  }
  EXPECT_EQ(JobResult(jobs[0])["bounceType"], "soft");
  EXPECT_EQ(JobResult(jobs[2])["bounceType"], "hard");
  EXPECT_EQ(JobResult(jobs[2])["escalated"], true);
  EXPECT_EQ(Metric(campaign_, "soft_bounces"), 2);
  EXPECT_EQ(Metric(campaign_, "hard_bounces"), 1);
  EXPECT_EQ(QueryValue("SELECT reason FROM suppressions WHERE email = 'flaky@lead.example'"),
            "hard_bounce");
  EXPECT_EQ(QueryValue("SELECT status FROM leads WHERE id = $1", {lead}), "bounced");
  // The same bounce again changes nothing.
  auto dup = Bounce({{"message_id", "soft-1@sender.example"},
                     {"bounce_type", "soft"},
                     {"bounce_reason", "again"}});
  ASSERT_TRUE(WaitStatus(dup, "completed"));
  EXPECT_EQ(JobResult(dup)["alreadyRecorded"], true);
  EXPECT_EQ(Metric(campaign_, "soft_bounces"), 2);
}

TEST_F(EmailInboundTest, ConcurrentBouncesLoseNoMetricUpdate) {
  constexpr int kCount = 40;
  std::vector<std::string> jobs;
  for (int i = 0; i < kCount; ++i) {
    std::string lead = Lead("t1", "c" + std::to_string(i) + "@lead.example");
    std::string mid = "c" + std::to_string(i) + "@sender.example";
    Delivered(lead, mid);
    jobs.push_back(Bounce(
        {{"message_id", mid}, {"bounce_type", i % 2 ? "soft" : "hard"}, {"bounce_reason", "x"}}));
  }
  auto opts = TestWorkerOptions(kQueues);
  opts.concurrency = 8;
  RunningWorker w1(opts, Handlers()), w2(opts, Handlers());
  for (const auto& j : jobs) ASSERT_TRUE(WaitStatus(j, "completed")) << j;
  EXPECT_EQ(Metric(campaign_, "hard_bounces"), kCount / 2);
  EXPECT_EQ(Metric(campaign_, "soft_bounces"), kCount / 2);
  EXPECT_EQ(Metric(campaign_, "delivered"), 0);
  EXPECT_EQ(Metric(campaign_, "sent"), kCount);
}

}  // namespace
}  // namespace postwork::testing
