#pragma once
// The email demo of `postwork dev`: a demo tenant with two sending accounts
// pointed at the private SMTP sink, a template, a campaign of 1,000 leads
// rotated over both accounts, and, once the first sends are out, replies,
// auto-replies and bounces coming back through queue:email:processing. A
// thread prints the campaign's progress until nothing is left to do.
//
// Seeding happens once per data folder (the tenant `demo` marks it); later
// runs point the accounts at the new sink port and pick up where the last run
// stopped.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "handlers/email_common/email_settings.hpp"

namespace postwork::cli {

struct EmailDemoOptions {
  std::string database_url;
  std::string redis_url;
  int smtp_port = 0;
  std::string maildir;  // where the sink stores messages, for the final hint
  int leads = 1000;
  handlers::email::EmailSettings settings;
};

class EmailDemo {
 public:
  static constexpr const char* kTenant = "demo";

  explicit EmailDemo(EmailDemoOptions options);
  ~EmailDemo();
  EmailDemo(const EmailDemo&) = delete;
  EmailDemo& operator=(const EmailDemo&) = delete;

  // Seeds (first run) and enqueues the sends, then starts the progress thread.
  void Start();
  void Stop();

 private:
  bool Seed();  // true when this run created the demo data
  void Run();
  bool InjectInbound();  // replies, auto-replies and bounces for sent deliveries

  EmailDemoOptions options_;
  std::string campaign_id_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace postwork::cli
