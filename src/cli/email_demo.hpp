#pragma once
// The email demo of `postwork dev`: a demo tenant with two sending accounts
// pointed at the private SMTP sink, a template, a campaign of 1,000 leads
// rotated over both accounts, and, once the first sends are out, replies,
// auto-replies and bounces coming back through queue:email:processing. A
// thread prints the campaign's progress until nothing is left to do.
//
// With an IMAP server for the two mailboxes, they also warm up between them
// (demo_warmup.hpp).
//
// Seeding happens once per data folder (the tenant `demo` marks it); later
// runs point the accounts at the new servers' ports and pick up where the last
// run stopped.
#include <atomic>
#include <condition_variable>
#include <map>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "handlers/email_common/email_settings.hpp"

namespace postwork::cli {

// The IMAP server serving the demo's mailboxes (plain IMAP on 127.0.0.1).
struct DemoImap {
  int port = 0;
  std::map<std::string, std::string> passwords;  // by mailbox address
};

struct EmailDemoOptions {
  std::string database_url;
  std::string redis_url;
  int smtp_port = 0;
  std::string maildir;  // the sink's root of per-recipient Maildirs, for the final hint
  int leads = 1000;
  handlers::email::EmailSettings settings;
  std::optional<DemoImap> imap;    // absent: no IMAP, no warmup
  int warmup_spread_seconds = 20;
  // Lines logged once the demo is done (the webhook receiver's counts, the
  // daily stats); may block a few seconds, returns early once `stopping()`.
  std::function<std::vector<std::string>(const std::function<bool()>& stopping)> final_report{};  // the warmup plan's jobs run within this many seconds
};

struct DemoMailbox {
  const char* address;
  const char* name;
};

class EmailDemo {
 public:
  static constexpr const char* kTenant = "demo";
  static constexpr DemoMailbox kMailboxes[] = {{"ana@outreach-demo.test", "Ana Ruiz"},
                                              {"ben@outreach-demo.test", "Ben Okafor"}};
  // The mailbox whose "spam filter" puts warmup mail in Junk, to be rescued.
  static constexpr const char* kJunkMailbox = "ben@outreach-demo.test";

  explicit EmailDemo(EmailDemoOptions options);
  ~EmailDemo();
  EmailDemo(const EmailDemo&) = delete;
  EmailDemo& operator=(const EmailDemo&) = delete;

  // Seeds (first run) and enqueues the sends, then starts the progress thread.
  void Start();
  void Stop();

 private:
  std::vector<std::string> UpsertAccounts();  // every run: the servers' ports change
  bool Seed();  // true when this run created the demo data
  void Run();
  bool InjectInbound();  // replies, auto-replies and bounces for sent deliveries

  EmailDemoOptions options_;
  std::string campaign_id_;
  std::vector<std::string> account_ids_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace postwork::cli
