#pragma once
// The demo's webhook receiver: a real HTTP server on a free loopback port that
// the demo tenant's endpoint points at. It checks every delivery's signature
// (as docs/webhooks.md tells receivers to) and counts events by type.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "handlers/email_common/email_settings.hpp"

namespace httplib {
class Server;
}

namespace postwork::cli {

class DemoWebhookReceiver {
 public:
  // Creates the tenant's endpoint (every event type) on first use, else points
  // it at this run's port; its secret is read back decrypted to verify.
  DemoWebhookReceiver(const std::string& database_url, const std::string& tenant_id,
                      const handlers::email::EmailSettings& keys);
  ~DemoWebhookReceiver();
  DemoWebhookReceiver(const DemoWebhookReceiver&) = delete;
  DemoWebhookReceiver& operator=(const DemoWebhookReceiver&) = delete;

  const std::string& url() const { return url_; }
  // "email.sent 1000, email.replied 15, ... (all signatures valid)".
  std::string Summary();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string url_, secret_;
  std::mutex mu_;
  std::map<std::string, int> by_type_;
  int bad_signatures_ = 0;
};

}  // namespace postwork::cli
