#include "http/listener.hpp"

#include <httplib.h>

#include "app/log.hpp"
#include "postwork/error.hpp"

namespace postwork::http {

void ApplySecurityHeaders(httplib::Server& server) {
  server.set_default_headers({
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
  });
}

Listener::Listener(std::unique_ptr<httplib::Server> server, const ListenAddress& address)
    : server_(std::move(server)), host_(address.host) {
  if (host_.find(':') != std::string::npos) server_->set_address_family(AF_INET6);
  if (address.port == 0) {
    port_ = server_->bind_to_any_port(host_);
  } else {
    port_ = server_->bind_to_port(host_, address.port) ? address.port : -1;
  }
  if (port_ <= 0) {
    throw ConfigError("cannot listen on " + host_ + ":" + std::to_string(address.port) +
                      " (address in use, or not an address of this host)");
  }
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listening_done_ = true;
  });
}

Listener::~Listener() { Stop(); }

std::string Listener::url() const {
  std::string h = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  return "http://" + h + ":" + std::to_string(port_);
}

void Listener::Stop() {
  if (!thread_.joinable()) return;
  // stop() is a no-op until the accept loop runs: wait for it to start (or end).
  while (!server_->is_running() && !listening_done_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->stop();
  thread_.join();
}

std::string ExceptionMessage(std::exception_ptr ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
  }
  return "unknown error";
}

}  // namespace postwork::http
