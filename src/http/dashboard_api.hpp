#pragma once
// The dashboard's JSON API. The pages use nothing else, and scripts may use
// it too:
//   GET    /api/overview                 totals, rates and the per-queue table
//   GET    /api/queues                   the per-queue table alone
//   GET    /api/workers                  live workers with their health fields
//   GET    /api/jobs?queue=&status=&tenant=&limit=
//   GET    /api/jobs/{id}                row, executions, Redis state, payload
//   POST   /api/jobs/{id}/retry          a dead letter back to its queue
//   POST   /api/jobs/{id}/cancel         a queued or scheduled job
//   DELETE /api/jobs/{id}                a completed or dead job
//   POST   /api/dlq/retry-all?queue=     every dead letter (of a queue)
//   GET    /api/stats/history?window=15m|24h&queue=
//   GET    /api/campaigns                the campaigns table, once it exists
#include <string>

namespace httplib {
class Server;
}

namespace postwork::http {

struct DashboardApiOptions {
  std::string redis_url;
  std::string database_url;
};

void RegisterDashboardApi(httplib::Server& server, const DashboardApiOptions& options);

}  // namespace postwork::http
