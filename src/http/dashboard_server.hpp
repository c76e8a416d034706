#pragma once
// `postwork dashboard`: the web pages (embedded at build time) and the JSON
// API they use, behind the rules in dashboard_auth.hpp.
#include <memory>
#include <string>

#include "http/listener.hpp"

namespace postwork::http {

struct DashboardOptions {
  std::string listen = "127.0.0.1:8080";
  std::string token;  // POSTWORK_DASHBOARD_TOKEN
  std::string redis_url;
  std::string database_url;

  // A non-loopback address without a token is refused (ConfigError).
  void Validate() const;
};

class DashboardServer {
 public:
  // Binds at once (ConfigError when it cannot); serves until destroyed.
  explicit DashboardServer(DashboardOptions options);
  ~DashboardServer();
  int port() const { return listener_->port(); }
  std::string url() const { return listener_->url(); }

 private:
  DashboardOptions options_;
  std::unique_ptr<Listener> listener_;
};

}  // namespace postwork::http
