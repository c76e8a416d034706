#include "cli/email_demo.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include "app/email_accounts.hpp"
#include "app/log.hpp"
#include "app/sample_campaign.hpp"
#include "cli/demo_warmup.hpp"
#include "pg/connection.hpp"
#include "postwork/client.hpp"

namespace postwork::cli {
namespace {

std::string RfcDate() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

struct SentDelivery {
  std::string message_id, recipient, sender, account_id, subject_hint;
};

std::string ReplyRaw(const SentDelivery& d, int n, bool automatic) {
  std::string subject = automatic ? "Automatic reply: out of office" : "Re: your note";
  std::string body = automatic ? "I am out of the office until Monday with limited access to "
                                 "email.\r\n"
                               : "Thanks for reaching out, this is timely. Does Thursday at "
                                 "10:00 work?\r\n";
  return fmt::format(
      "From: <{}>\r\nTo: <{}>\r\nSubject: {}\r\nDate: {}\r\n"
      "Message-ID: <demo-reply-{}@lead.test>\r\nIn-Reply-To: <{}>\r\nReferences: <{}>\r\n"
      "{}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}",
      d.recipient, d.sender, subject, RfcDate(), n, d.message_id, d.message_id,
      automatic ? "Auto-Submitted: auto-replied\r\n" : "", body);
}

// A Postfix-shaped RFC 3464 report: hard (5.1.1) or soft (4.2.2) failure.
std::string BounceRaw(const SentDelivery& d, int n, bool hard) {
  std::string status = hard ? "5.1.1" : "4.2.2";
  std::string diagnostic =
      hard ? "550 5.1.1 <" + d.recipient + ">: Recipient address rejected: User unknown"
           : "452 4.2.2 <" + d.recipient + ">: Mailbox full";
  return fmt::format(
      "From: MAILER-DAEMON@mx.demo.test (Mail Delivery System)\r\nTo: <{sender}>\r\n"
      "Subject: Undelivered Mail Returned to Sender\r\nDate: {date}\r\n"
      "Message-ID: <demo-dsn-{n}@mx.demo.test>\r\nAuto-Submitted: auto-replied\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b{n}\"\r\n\r\n"
      "--b{n}\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n"
      "--b{n}\r\nContent-Type: message/delivery-status\r\n\r\n"
      "Reporting-MTA: dns; mx.demo.test\r\n\r\n"
      "Final-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: {status}\r\n"
      "Diagnostic-Code: smtp; {diag}\r\n\r\n"
      "--b{n}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
      "From: <{sender}>\r\nTo: <{rcpt}>\r\nMessage-ID: <{mid}>\r\n\r\n--b{n}--\r\n",
      fmt::arg("sender", d.sender), fmt::arg("date", RfcDate()), fmt::arg("n", n),
      fmt::arg("rcpt", d.recipient), fmt::arg("status", status), fmt::arg("diag", diagnostic),
      fmt::arg("mid", d.message_id));
}

}  // namespace

EmailDemo::EmailDemo(EmailDemoOptions options) : options_(std::move(options)) {}
EmailDemo::~EmailDemo() { Stop(); }

std::vector<std::string> EmailDemo::UpsertAccounts() {
  pg::Connection conn(options_.database_url);
  std::vector<std::string> ids;
  for (const DemoMailbox& box : kMailboxes) {
    app::NewEmailAccount account = app::LoopbackSmtpAccount(kTenant, box.address, box.name,
                                                            options_.smtp_port, options_.leads);
    if (options_.imap) {
      account.imap_host = "127.0.0.1";
      account.imap_port = options_.imap->port;
      account.imap_security = "none";
      account.imap_username = box.address;
      account.imap_password = options_.imap->passwords.at(box.address);
    }
    ids.push_back(app::AddEmailAccount(conn, account, options_.settings).id);
  }
  return ids;
}

bool EmailDemo::Seed() {
  // Every run: the sink and the IMAP server listen on new ports, and the IMAP
  // passwords are new.
  account_ids_ = UpsertAccounts();
  const auto& accounts = account_ids_;
  pg::Connection conn(options_.database_url);
  auto existing = conn.Exec("SELECT id FROM campaigns WHERE tenant_id = $1 ORDER BY created_at LIMIT 1",
                            {kTenant});
  if (existing.rows() > 0) {
    campaign_id_ = existing.Get(0, 0);
    return false;
  }
  campaign_id_ = app::SeedSampleCampaign(conn, {.tenant_id = kTenant,
                                                .tenant_name = "Demo outreach agency",
                                                .campaign_name = "Demo: hiring managers, Q4",
                                                .account_id = accounts[0],
                                                .leads = options_.leads});
  // One send per lead, alternating the two mailboxes (inbox rotation).
  Client client(ClientOptions{.redis_url = options_.redis_url, .database_url = options_.database_url});
  int64_t sends = app::EnqueueCampaignSends(conn, client, kTenant, campaign_id_, accounts);
  log::Info(
      fmt::format("email demo: seeded tenant '{}' (2 accounts, {} leads) and enqueued {} "
                  "sends on queue:email-sending",
                  kTenant, options_.leads, sends));
  return true;
}

bool EmailDemo::InjectInbound() {
  pg::Connection conn(options_.database_url);
  if (conn.Exec("SELECT 1 FROM jobs WHERE id = 'demo-inbound-0'").rows() > 0) return true;
  auto sent = conn.Exec(
      "SELECT d.message_id, d.recipient_email, a.email, a.id FROM email_deliveries d "
      "JOIN email_accounts a ON a.id = d.email_account_id "
      "WHERE d.tenant_id = $1 AND d.status = 'sent' ORDER BY d.sent_at, d.id LIMIT 40",
      {kTenant});
  if (sent.rows() < 40) return false;
  Client client(ClientOptions{.redis_url = options_.redis_url, .database_url = options_.database_url});
  int replies = 0, auto_replies = 0, hard = 0, soft = 0;
  for (int i = 0; i < sent.rows(); ++i) {
    SentDelivery d{.message_id = sent.Get(i, 0),
                   .recipient = sent.Get(i, 1),
                   .sender = sent.Get(i, 2),
                   .account_id = sent.Get(i, 3)};
    std::string raw;
    if (i < 15) {
      raw = ReplyRaw(d, i, false), ++replies;
    } else if (i < 20) {
      raw = ReplyRaw(d, i, true), ++auto_replies;
    } else if (i < 32) {
      raw = BounceRaw(d, i, true), ++hard;
    } else {
      raw = BounceRaw(d, i, false), ++soft;
    }
    client.Enqueue("email:processing", {{"raw", raw}, {"email_account_id", d.account_id}},
                   {.tenant_id = kTenant, .id = "demo-inbound-" + std::to_string(i)});
  }
  log::Info(fmt::format("email demo: {} replies, {} auto-replies, {} hard and {} soft bounces "
                        "arrive on queue:email:processing",
                        replies, auto_replies, hard, soft));
  return true;
}

void EmailDemo::Run() {
  bool injected = false;
  std::string last;
  while (true) {
    try {
      if (!injected) injected = InjectInbound();
      pg::Connection conn(options_.database_url);
      auto m = conn.Exec(
          "SELECT coalesce(sent, 0), coalesce(replies, 0), coalesce(auto_replies, 0), "
          "coalesce(hard_bounces, 0), coalesce(soft_bounces, 0), coalesce(suppressed, 0) + "
          "coalesce(skipped, 0), (SELECT count(*) FROM jobs WHERE tenant_id = $1 AND status IN "
          "('queued', 'running', 'retry_scheduled') AND run_at < now() + interval '1 minute'), "
          "(SELECT count(*) FROM leads WHERE "
          "tenant_id = $1) FROM (SELECT 1) one LEFT JOIN campaign_metrics cm ON "
          "cm.tenant_id = $1 AND cm.campaign_id = $2",
          {kTenant, campaign_id_});
      std::string line = fmt::format(
          "email demo: sent {}/{}, replies {}, auto-replies {}, bounces {} hard + {} soft, "
          "skipped {}, jobs pending {}",
          m.Get(0, 0), m.Get(0, 7), m.Get(0, 1), m.Get(0, 2), m.Get(0, 3), m.Get(0, 4),
          m.Get(0, 5), m.Get(0, 6));
      if (auto warmup = DemoWarmupProgress(conn, kTenant)) line += "; " + *warmup;
      if (line != last) {
        log::Info(line);
        last = line;
      }
      if (injected && m.GetInt(0, 6) == 0) {
        std::string warmup = options_.imap ? " (warmup mail: " + options_.maildir +
                                                 "/ana@outreach-demo.test and ben@..., see "
                                                 "`postwork warmup status --tenant demo`)"
                                           : "";
        log::Info("email demo: done. Each recipient's messages are in " + options_.maildir +
                  "/<address>/new" + warmup +
                  "; see the dashboard, `postwork stats` or `postwork jobs list --tenant demo "
                  "--queue email-sending`");
        if (options_.final_report) {
          auto stopping = [this] {
            std::lock_guard lock(mu_);
            return stop_;
          };
          for (const auto& l : options_.final_report(stopping)) log::Info("email demo: " + l);
        }
        return;
      }
    } catch (const std::exception& e) {
      log::Warn(std::string("email demo: ") + e.what());
    }
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, std::chrono::seconds(2), [&] { return stop_; })) return;
  }
}

void EmailDemo::Start() {
  Seed();
  if (options_.imap) {
    pg::Connection conn(options_.database_url);
    SeedDemoWarmup(conn, {.tenant_id = kTenant,
                          .account_ids = account_ids_,
                          .redis_url = options_.redis_url,
                          .database_url = options_.database_url,
                          .spread_seconds = options_.warmup_spread_seconds});
  }
  thread_ = std::thread([this] { Run(); });
}

void EmailDemo::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace postwork::cli
