#include "http/http_module.hpp"

#include "app/module_loader.hpp"

// Defined by postwork-http.so, or by this process itself when the module's
// sources are linked in statically (the tests): then no file is loaded.
extern "C" const postwork::http::HttpModuleApi* postwork_http_api() __attribute__((weak));

namespace postwork::http {
namespace {

const HttpModuleApi& Api() {
  if (postwork_http_api != nullptr) return *postwork_http_api();
  return app::LoadModuleApi<HttpModuleApi>("http", POSTWORK_MODULE_ABI("http"));
}

}  // namespace

std::unique_ptr<RunningServer> StartWorkerServer(WorkerServerOptions options,
                                                 core::Worker& worker) {
  return Api().start_worker_server(std::move(options), worker);
}

std::unique_ptr<RunningServer> StartDashboard(DashboardOptions options) {
  return Api().start_dashboard(std::move(options));
}

std::unique_ptr<RunningServer> StartUnsubscribeServer(UnsubscribeServerOptions options) {
  return Api().start_unsubscribe_server(std::move(options));
}

std::unique_ptr<DemoWebhookSink> StartDemoWebhookSink(const std::string& database_url,
                                                      const std::string& tenant_id,
                                                      const handlers::email::EmailSettings& keys) {
  return Api().start_demo_webhook_sink(database_url, tenant_id, keys);
}

}  // namespace postwork::http
