#pragma once
// The public end of List-Unsubscribe (RFC 8058). Mail clients and recipients
// reach it from the internet, so it is a listener of its own, not a route of
// the operator dashboard (whose token and Host rules it must not share):
//   POST <path>?token=T  or  POST <path>/T   one-click unsubscribe (any body)
//   GET  the same URLs                        a confirmation page whose button POSTs
// <path> is the path of email.unsubscribe_base_url ("/unsubscribe" without
// one): operators route that URL here. A malformed or forged token is a 400
// with a fixed message; nothing says why.
#include <memory>
#include <string>

#include "handlers/email_common/email_settings.hpp"
#include "handlers/webhook/event_publisher.hpp"
#include "http/listener.hpp"

namespace postwork::http {

struct UnsubscribeServerOptions {
  std::string listen = "127.0.0.1:8090";
  std::string database_url;
  std::string redis_url;
  handlers::email::EmailSettings email;  // verification keys and the base URL
  std::shared_ptr<const handlers::webhook::EventPublisher> events;
};

// The path of the base URL ("https://u.example/x/unsub?a=1" -> "/x/unsub").
std::string UnsubscribePath(const std::string& base_url);

class UnsubscribeServer {
 public:
  // Binds at once (ConfigError when it cannot); serves until destroyed.
  explicit UnsubscribeServer(UnsubscribeServerOptions options);
  ~UnsubscribeServer();
  int port() const { return listener_->port(); }
  std::string url() const { return listener_->url(); }
  const std::string& path() const { return path_; }

 private:
  UnsubscribeServerOptions options_;
  std::string path_;
  std::unique_ptr<Listener> listener_;
};

}  // namespace postwork::http
