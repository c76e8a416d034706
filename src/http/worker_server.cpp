#include "http/worker_server.hpp"

#include <httplib.h>

#include "app/log.hpp"
#include "http/listener.hpp"

namespace postwork::http {

WorkerServer::WorkerServer(WorkerServerOptions options, core::Worker& worker)
    : worker_(worker),
      probe_(options.redis_url, options.database_url),
      metrics_({.redis_url = options.redis_url,
                .database_url = options.database_url,
                .queues = options.queues,
                .scaling = options.scaling},
               worker, probe_) {
  auto server = std::make_unique<httplib::Server>();
  ApplySecurityHeaders(*server);
  server->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(worker_.HealthJson(), "application/json");
  });
  server->Get("/ready", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    nlohmann::json reasons = nlohmann::json::array();
    if (worker_.stopping()) {
      reasons.push_back("shutting down");
    } else {
      auto probe = probe_.Check();
      if (!probe.redis_ok)
        reasons.push_back(log::MaskSecrets("Redis unavailable: " + probe.redis_error));
      if (!probe.postgres_ok) {
        reasons.push_back(log::MaskSecrets("PostgreSQL unavailable: " + probe.postgres_error));
      }
      if (!worker_.fetching()) reasons.push_back("not fetching jobs");
    }
    bool ready = reasons.empty();
    res.status = ready ? 200 : 503;
    res.set_content(
        nlohmann::json{{"ready", ready}, {"worker_id", worker_.id()}, {"reasons", reasons}}.dump(),
        "application/json");
  });
  server->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(metrics_.Render(), core::metrics::kContentType);
  });
  server->set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = ExceptionMessage(ep);
        log::Error("worker HTTP request failed", {{"path", req.path}, {"error", what}});
        res.status = 500;
        res.set_content(nlohmann::json{{"error", what}}.dump(), "application/json");
      });
  listener_ = std::make_unique<Listener>(std::move(server), ParseListenAddress(options.listen));
  log::Info("worker HTTP endpoints listening",
            {{"worker_id", worker_.id()}, {"url", listener_->url()}});
}

WorkerServer::~WorkerServer() { listener_->Stop(); }

}  // namespace postwork::http
