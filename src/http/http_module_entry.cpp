// The entry points of postwork-http.so (see http/http_module.hpp).
#include "app/module_loader.hpp"
#include "cli/demo_webhooks.hpp"
#include "http/http_module.hpp"

namespace postwork::http {
namespace {

// Adapts a server class to RunningServer.
template <class Server>
class Running final : public RunningServer {
 public:
  template <class... Args>
  explicit Running(Args&&... args) : server_(std::forward<Args>(args)...) {}
  int port() const override { return server_.port(); }
  std::string url() const override { return server_.url(); }

 private:
  Server server_;
};

class DemoSink final : public DemoWebhookSink {
 public:
  DemoSink(const std::string& database_url, const std::string& tenant_id,
           const handlers::email::EmailSettings& keys)
      : receiver_(database_url, tenant_id, keys) {}
  std::string url() const override { return receiver_.url(); }
  std::string Summary() override { return receiver_.Summary(); }

 private:
  cli::DemoWebhookReceiver receiver_;
};

const HttpModuleApi kApi{
    .start_worker_server = [](WorkerServerOptions options,
                              core::Worker& worker) -> std::unique_ptr<RunningServer> {
      return std::make_unique<Running<WorkerServer>>(std::move(options), worker);
    },
    .start_dashboard = [](DashboardOptions options) -> std::unique_ptr<RunningServer> {
      return std::make_unique<Running<DashboardServer>>(std::move(options));
    },
    .start_unsubscribe_server =
        [](UnsubscribeServerOptions options) -> std::unique_ptr<RunningServer> {
      return std::make_unique<Running<UnsubscribeServer>>(std::move(options));
    },
    .start_demo_webhook_sink =
        [](const std::string& database_url, const std::string& tenant_id,
           const handlers::email::EmailSettings& keys) -> std::unique_ptr<DemoWebhookSink> {
      return std::make_unique<DemoSink>(database_url, tenant_id, keys);
    },
};

}  // namespace
}  // namespace postwork::http

extern "C" {
extern const char postwork_http_abi[];
const char postwork_http_abi[] = POSTWORK_MODULE_ABI("http");
const postwork::http::HttpModuleApi* postwork_http_api() { return &postwork::http::kApi; }
}
