#include "http/dashboard_api.hpp"

#include <httplib.h>

#include <map>
#include <memory>

#include "app/log.hpp"
#include "core/clock.hpp"
#include "core/job_admin.hpp"
#include "core/queue_overview.hpp"
#include "core/queues.hpp"
#include "pg/job_store.hpp"
#include "pg/operator_store.hpp"
#include "postwork/error.hpp"
#include "redis/broker.hpp"

namespace postwork::http {
namespace {

// One Redis and one PostgreSQL connection per server thread, kept across
// requests (the connections are not thread-safe; httplib's pool threads live
// as long as the server).
struct Stores {
  explicit Stores(const DashboardApiOptions& o)
      : broker(redis::ParseRedisUrl(o.redis_url)), jobs(o.database_url), ops(o.database_url) {}
  redis::Broker broker;
  pg::JobStore jobs;
  pg::OperatorStore ops;
};

Stores& ThreadStores(const DashboardApiOptions& o) {
  thread_local std::map<std::string, std::unique_ptr<Stores>> stores;
  auto& s = stores[o.redis_url + "\n" + o.database_url];
  if (!s) s = std::make_unique<Stores>(o);
  return *s;
}

void Json(httplib::Response& res, const nlohmann::json& body, int status = 200) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void Error(httplib::Response& res, int status, const std::string& message) {
  Json(res, {{"error", log::MaskSecrets(message)}}, status);
}

int64_t Now() { return core::SystemClock::Instance().NowMs(); }

// Runs a handler, turning the engine's errors into HTTP statuses.
template <typename Fn>
httplib::Server::Handler Guarded(const DashboardApiOptions& o, Fn fn) {
  return [o, fn](const httplib::Request& req, httplib::Response& res) {
    try {
      fn(ThreadStores(o), req, res);
    } catch (const ConfigError& e) {
      Error(res, 400, e.what());
    } catch (const UnavailableError& e) {
      Error(res, 503, e.what());
    } catch (const std::exception& e) {
      log::Error("dashboard API request failed", {{"path", req.path}, {"error", e.what()}});
      Error(res, 500, e.what());
    }
  };
}

std::vector<std::string> WorkerQueues(redis::Broker& broker, nlohmann::json* workers_out) {
  std::vector<std::string> queues;
  nlohmann::json workers = nlohmann::json::array();
  for (const auto& w : broker.ListWorkers(Now(), 60000)) {
    auto health = nlohmann::json::parse(w.health_json, nullptr, false);
    if (!health.is_object()) continue;
    health["last_seen_ms"] = w.last_seen_ms;
    if (auto it = health.find("queues"); it != health.end() && it->is_array()) {
      for (const auto& q : *it) {
        if (q.is_string()) queues.push_back(q.get<std::string>());
      }
    }
    workers.push_back(std::move(health));
  }
  if (workers_out) *workers_out = std::move(workers);
  return queues;
}

int LimitParam(const httplib::Request& req, int fallback) {
  if (!req.has_param("limit") || req.get_param_value("limit").empty()) return fallback;
  const std::string v = req.get_param_value("limit");
  if (v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos) {
    throw ConfigError("limit: a number 1..1000");
  }
  int n = std::stoi(v);
  if (n < 1 || n > 1000) throw ConfigError("limit: a number 1..1000");
  return n;
}

std::string QueueParam(const httplib::Request& req) {
  std::string q = req.get_param_value("queue");
  return q.empty() ? "" : core::NormalizeQueueName(q);
}

}  // namespace

void RegisterDashboardApi(httplib::Server& server, const DashboardApiOptions& o) {
  server.Get("/api/overview",
             Guarded(o, [](Stores& s, const httplib::Request&, httplib::Response& res) {
               nlohmann::json workers;
               auto queues = WorkerQueues(s.broker, &workers);
               auto j = core::ToJson(core::ReadOverview(s.broker, &s.ops, queues, Now()));
               j["workers"] = workers.size();
               Json(res, j);
             }));

  server.Get(
      "/api/queues", Guarded(o, [](Stores& s, const httplib::Request&, httplib::Response& res) {
        auto queues = WorkerQueues(s.broker, nullptr);
        Json(res, core::ToJson(core::ReadOverview(s.broker, &s.ops, queues, Now()))["queues"]);
      }));

  server.Get("/api/workers",
             Guarded(o, [](Stores& s, const httplib::Request&, httplib::Response& res) {
               nlohmann::json workers;
               WorkerQueues(s.broker, &workers);
               Json(res, workers);
             }));

  server.Get("/api/jobs",
             Guarded(o, [](Stores& s, const httplib::Request& req, httplib::Response& res) {
               pg::JobFilter f{.queue = QueueParam(req),
                               .status = req.get_param_value("status"),
                               .tenant = req.get_param_value("tenant"),
                               .limit = LimitParam(req, 50)};
               if (!f.status.empty() && !ParseJobStatus(f.status)) {
                 throw ConfigError(
                     "status: one of queued, running, completed, retry_scheduled, failed, "
                     "cancelled");
               }
               nlohmann::json out = nlohmann::json::array();
               for (const auto& j : s.jobs.List(f)) out.push_back(core::JobJson(j));
               Json(res, out);
             }));

  server.Get(R"(/api/jobs/([^/]+))",
             Guarded(o, [](Stores& s, const httplib::Request& req, httplib::Response& res) {
               auto detail = core::JobDetail(s.jobs, &s.broker, req.matches[1]);
               if (!detail) return Error(res, 404, "no job with this id");
               Json(res, *detail);
             }));

  server.Post(R"(/api/jobs/([^/]+)/retry)",
              Guarded(o, [](Stores& s, const httplib::Request& req, httplib::Response& res) {
                std::string id = req.matches[1];
                auto requeued = core::RetryDeadJobs(s.jobs, s.broker, {id}, "", false, Now());
                if (requeued.empty()) {
                  if (!s.jobs.Get(id)) return Error(res, 404, "no job with this id");
                  return Error(res, 409, "only a dead (failed) job can be retried");
                }
                log::Info("dashboard: dead job retried", {{"job_id", id}});
                Json(res, {{"requeued", requeued}});
              }));

  server.Post(R"(/api/jobs/([^/]+)/cancel)",
              Guarded(o, [](Stores& s, const httplib::Request& req, httplib::Response& res) {
                std::string id = req.matches[1];
                if (!core::CancelJob(s.jobs, &s.broker, id)) {
                  if (!s.jobs.Get(id)) return Error(res, 404, "no job with this id");
                  return Error(res, 409, "only a queued or scheduled job can be cancelled");
                }
                log::Info("dashboard: job cancelled", {{"job_id", id}});
                Json(res, {{"cancelled", id}});
              }));

  server.Delete(R"(/api/jobs/([^/]+))",
                Guarded(o, [](Stores& s, const httplib::Request& req, httplib::Response& res) {
                  std::string id = req.matches[1];
                  switch (core::DeleteJob(s.jobs, s.ops, s.broker, id)) {
                    case core::DeleteOutcome::kDeleted:
                      log::Info("dashboard: job deleted", {{"job_id", id}});
                      return Json(res, {{"deleted", id}});
                    case core::DeleteOutcome::kNotFound:
                      return Error(res, 404, "no job with this id");
                    case core::DeleteOutcome::kNotFinished:
                      return Error(res, 409,
                                   "only a completed or dead job can be deleted (cancel it first)");
                  }
                }));

  server.Post(
      "/api/dlq/retry-all",
      Guarded(o, [](Stores& s, const httplib::Request& req, httplib::Response& res) {
        auto requeued = core::RetryDeadJobs(s.jobs, s.broker, {}, QueueParam(req), true, Now());
        log::Info("dashboard: dead letters retried", {{"jobs", std::to_string(requeued.size())}});
        Json(res, {{"requeued", requeued.size()}});
      }));

  server.Get("/api/stats/history",
             Guarded(o, [](Stores& s, const httplib::Request& req, httplib::Response& res) {
               std::string window = req.has_param("window") ? req.get_param_value("window") : "15m";
               Json(res,
                    core::ToJson(core::ReadThroughput(s.broker, window, QueueParam(req), Now())));
             }));

  server.Get("/api/campaigns",
             Guarded(o, [](Stores& s, const httplib::Request& req, httplib::Response& res) {
               auto rows = s.ops.Campaigns(LimitParam(req, 100));
               if (!rows)
                 return Json(res, {{"available", false}, {"campaigns", nlohmann::json::array()}});
               nlohmann::json list = nlohmann::json::array();
               for (const auto& r : *rows) list.push_back(nlohmann::json::parse(r, nullptr, false));
               Json(res, {{"available", true}, {"campaigns", list}});
             }));

  server.Get(R"(/api/.*)", [](const httplib::Request&, httplib::Response& res) {
    Error(res, 404, "no such API endpoint");
  });
}

}  // namespace postwork::http
