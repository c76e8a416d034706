#include "hook_receiver.hpp"

#include <httplib.h>

#include <stdexcept>

#include "test_env.hpp"

namespace postwork::testing {

HookReceiver::HookReceiver() : server_(std::make_unique<httplib::Server>()) {
  server_->Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    int hit = 0;
    {
      std::lock_guard lock(mu_);
      requests_.push_back({.path = req.path,
                           .body = req.body,
                           .event_id = req.get_header_value("X-Postwork-Event-Id"),
                           .timestamp = req.get_header_value("X-Postwork-Timestamp"),
                           .signature = req.get_header_value("X-Postwork-Signature")});
      hit = ++hits_[req.path];
    }
    res.status = 200;
    if (req.path.rfind("/status/", 0) == 0) res.status = std::stoi(req.path.substr(8));
    if (req.path == "/ratelimited") {
      res.status = 429;
      res.set_header("Retry-After", "3600");
    }
    if (req.path.rfind("/flaky/", 0) == 0 && hit <= std::stoi(req.path.substr(7))) res.status = 500;
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind the webhook receiver");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  if (!WaitFor([this] { return server_->is_running(); }, std::chrono::seconds(10))) {
    throw std::runtime_error("webhook receiver did not start");
  }
}

HookReceiver::~HookReceiver() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string HookReceiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<HookRequest> HookReceiver::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

bool HookReceiver::WaitForRequests(size_t n, std::chrono::milliseconds timeout) const {
  return WaitFor([&] { return Requests().size() >= n; }, timeout);
}

}  // namespace postwork::testing
