#include "http/dashboard_server.hpp"

#include <httplib.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

#include "app/log.hpp"
#include "http/dashboard_api.hpp"
#include "http/dashboard_auth.hpp"
#include "http/listener.hpp"
#include "postwork/error.hpp"

namespace postwork::embedded {
const std::map<std::string, std::string_view>& web_assets();
}

namespace postwork::http {
namespace {
std::string ContentType(const std::string& name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() &&
           name.compare(name.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

void ServeAsset(const std::string& name, httplib::Response& res) {
  const auto& assets = embedded::web_assets();
  auto it = assets.find(name);
  if (it == assets.end()) {
    res.status = 404;
    res.set_content("not found\n", "text/plain; charset=utf-8");
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::string(it->second), ContentType(name));
}
}  // namespace

void DashboardOptions::Validate() const {
  auto address = ParseListenAddress(listen);
  if (!IsLoopbackHost(address.host) && token.empty()) {
    throw ConfigError("the dashboard on " + address.host +
                      " (not loopback) needs POSTWORK_DASHBOARD_TOKEN: every request will have "
                      "to send it");
  }
  if (redis_url.empty()) throw ConfigError("dashboard: no Redis URL (set POSTWORK_REDIS_URL)");
  if (database_url.empty()) {
    throw ConfigError("dashboard: no database URL (set POSTWORK_DATABASE_URL)");
  }
}

DashboardServer::DashboardServer(DashboardOptions options) : options_(std::move(options)) {
  options_.Validate();
  auto address = ParseListenAddress(options_.listen);
  AuthPolicy policy{.token = options_.token, .loopback = IsLoopbackHost(address.host)};

  auto server = std::make_unique<httplib::Server>();
  ApplySecurityHeaders(*server);
  server->set_payload_max_length(64 * 1024);  // the API takes no bodies worth more
  server->set_pre_routing_handler([policy](const httplib::Request& req, httplib::Response& res) {
    auto denial =
        Authorize(policy, {.method = req.method,
                           .path = req.path,
                           .host_header = req.get_header_value("Host"),
                           .authorization_header = req.get_header_value("Authorization")});
    if (!denial) return httplib::Server::HandlerResponse::Unhandled;
    res.status = denial->status;
    if (denial->status == 401) res.set_header("WWW-Authenticate", "Bearer");
    res.set_content(nlohmann::json{{"error", denial->error}}.dump(), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  });
  RegisterDashboardApi(*server,
                       {.redis_url = options_.redis_url, .database_url = options_.database_url});
  server->Get(
      "/", [](const httplib::Request&, httplib::Response& res) { ServeAsset("index.html", res); });
  server->Get(
      R"(/([A-Za-z0-9_-]+\.(?:js|css|html)))",
      [](const httplib::Request& req, httplib::Response& res) { ServeAsset(req.matches[1], res); });
  server->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string what = res.status == 404 ? "not found" : "HTTP " + std::to_string(res.status);
    if (req.path.rfind("/api/", 0) == 0) {
      res.set_content(nlohmann::json{{"error", what}}.dump(), "application/json");
    } else {
      res.set_content(what + "\n", "text/plain; charset=utf-8");
    }
  });
  server->set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                                   std::exception_ptr ep) {
    std::string what = ExceptionMessage(ep);
    log::Error("dashboard request failed", {{"path", req.path}, {"error", what}});
    res.status = 500;
    res.set_content(nlohmann::json{{"error", log::MaskSecrets(what)}}.dump(), "application/json");
  });
  listener_ = std::make_unique<Listener>(std::move(server), address);
  log::Info("dashboard listening",
            {{"url", listener_->url()},
             {"actions", options_.token.empty() ? "disabled (no token)" : "enabled (token)"}});
}

DashboardServer::~DashboardServer() { listener_->Stop(); }

}  // namespace postwork::http
