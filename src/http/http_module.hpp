#pragma once
// The HTTP servers as the binary sees them. They live in postwork-http.so
// (with cpp-httplib, which initialises OpenSSL when it is loaded), loaded on
// the first Start* call: a worker without --http never maps it. See
// app/module_loader.hpp.
#include <memory>
#include <string>

#include "core/worker.hpp"
#include "handlers/email_common/email_settings.hpp"
#include "http/dashboard_server.hpp"
#include "http/unsubscribe_server.hpp"
#include "http/worker_server.hpp"

namespace postwork::http {

// A listener serving on its own threads until destroyed.
class RunningServer {
 public:
  virtual ~RunningServer() = default;
  virtual int port() const = 0;
  // "http://127.0.0.1:PORT"
  virtual std::string url() const = 0;
};

// The demo's webhook receiver (cli/demo_webhooks.hpp).
class DemoWebhookSink {
 public:
  virtual ~DemoWebhookSink() = default;
  virtual std::string url() const = 0;
  virtual std::string Summary() = 0;
};

// Each throws what the server's constructor throws (ConfigError when the
// address cannot be bound), or std::runtime_error when the module is missing.
std::unique_ptr<RunningServer> StartWorkerServer(WorkerServerOptions options, core::Worker& worker);
std::unique_ptr<RunningServer> StartDashboard(DashboardOptions options);
std::unique_ptr<RunningServer> StartUnsubscribeServer(UnsubscribeServerOptions options);
std::unique_ptr<DemoWebhookSink> StartDemoWebhookSink(const std::string& database_url,
                                                      const std::string& tenant_id,
                                                      const handlers::email::EmailSettings& keys);

// The module's entry points (postwork_http_api()).
struct HttpModuleApi {
  std::unique_ptr<RunningServer> (*start_worker_server)(WorkerServerOptions, core::Worker&);
  std::unique_ptr<RunningServer> (*start_dashboard)(DashboardOptions);
  std::unique_ptr<RunningServer> (*start_unsubscribe_server)(UnsubscribeServerOptions);
  std::unique_ptr<DemoWebhookSink> (*start_demo_webhook_sink)(
      const std::string&, const std::string&, const handlers::email::EmailSettings&);
};

}  // namespace postwork::http
