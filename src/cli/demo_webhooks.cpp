#include "cli/demo_webhooks.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/log.hpp"
#include "handlers/email_common/secrets.hpp"
#include "handlers/webhook/endpoint_store.hpp"
#include "pg/connection.hpp"
#include "postwork/client.hpp"
#include "webhook/signer.hpp"

namespace postwork::cli {
namespace {
std::string RandomSecret() {
  std::string path = "/dev/urandom";
  std::ifstream in(path, std::ios::binary);
  std::string bytes(24, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "whsec_";
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}
}  // namespace

DemoWebhookReceiver::DemoWebhookReceiver(const std::string& database_url,
                                         const std::string& tenant_id,
                                         const handlers::email::EmailSettings& keys)
    : server_(std::make_unique<httplib::Server>()) {
  server_->Post("/hooks", [this](const httplib::Request& req, httplib::Response& res) {
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    auto verdict = webhook::Verify(req.get_header_value("X-Postwork-Signature"), req.body, secret_,
                                   now, std::chrono::minutes(5));
    std::string type = nlohmann::json::parse(req.body, nullptr, false).value("type", "?");
    std::lock_guard lock(mu_);
    if (verdict != webhook::VerifyResult::kValid) {
      ++bad_signatures_;
      res.status = 400;
      return;
    }
    if (by_type_[type]++ == 0) {
      log::Info("webhook receiver: first " + type + " event, signature valid",
                {{"event_id", req.get_header_value("X-Postwork-Event-Id")}});
    }
    res.status = 204;
  });
  int port = server_->bind_to_any_port("127.0.0.1");
  if (port <= 0) throw std::runtime_error("the demo webhook receiver cannot listen on 127.0.0.1");
  url_ = "http://127.0.0.1:" + std::to_string(port) + "/hooks";
  thread_ = std::thread([this] { server_->listen_after_bind(); });

  pg::Connection conn(database_url);
  auto existing = conn.Exec(
      "SELECT id, secret_enc FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at "
      "LIMIT 1",
      {tenant_id});
  if (existing.rows() == 0) {
    secret_ = RandomSecret();
    handlers::webhook::CreateEndpoint(
        conn, keys, {.tenant_id = tenant_id, .url = url_, .secret = secret_, .event_types = {"*"}});
  } else {
    secret_ = handlers::email::DecryptStoredSecret(keys, existing.Get(0, 1));
    conn.Exec("UPDATE webhook_endpoints SET url = $2, active = true WHERE id = $1",
              {existing.Get(0, 0), url_});
  }
}

DemoWebhookReceiver::~DemoWebhookReceiver() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string DemoWebhookReceiver::Summary() {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [type, n] : by_type_)
    out += (out.empty() ? "" : ", ") + type + " " + std::to_string(n);
  if (out.empty()) out = "none yet";
  return out + (bad_signatures_ ? fmt::format(" ({} with a bad signature!)", bad_signatures_)
                                : " (all signatures valid)");
}

}  // namespace postwork::cli
