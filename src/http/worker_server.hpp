#pragma once
// A worker's own HTTP endpoints (`postwork worker --http 127.0.0.1:PORT`):
//   GET /health   liveness: the seed's getWorkerHealth JSON (200 while the process runs)
//   GET /ready    200 when Redis and PostgreSQL answer and the worker fetches;
//                 503 with the reasons otherwise, and from the start of a shutdown
//   GET /metrics  Prometheus text format
#include <memory>
#include <string>
#include <vector>

#include "core/worker.hpp"
#include "http/dependency_probe.hpp"
#include "http/listener.hpp"
#include "http/scrape_metrics.hpp"

namespace postwork::http {

struct WorkerServerOptions {
  std::string listen;  // HOST:PORT (port 0 = a free one)
  std::string redis_url;
  std::string database_url;
  std::vector<std::string> queues;
  core::ScalingPolicy scaling;  // for postwork_desired_replicas
};

class WorkerServer {
 public:
  // Binds at once (ConfigError when it cannot); serves until destroyed.
  WorkerServer(WorkerServerOptions options, core::Worker& worker);
  ~WorkerServer();
  int port() const { return listener_->port(); }
  std::string url() const { return listener_->url(); }

 private:
  core::Worker& worker_;
  DependencyProbe probe_;
  ScrapeMetrics metrics_;
  std::unique_ptr<Listener> listener_;
};

}  // namespace postwork::http
