#include "core/job_admin.hpp"

#include "postwork/error.hpp"

namespace postwork::core {

nlohmann::json JobJson(const pg::StoredJob& j) {
  return {{"id", j.id},
          {"queue", j.queue},
          {"status", j.status},
          {"payload", j.payload},
          {"attempt_count", j.attempt_count},
          {"max_attempts", j.max_attempts},
          {"worker_id", j.worker_id},
          {"tenant_id", j.tenant_id},
          {"idempotency_key", j.idempotency_key},
          {"last_error", j.last_error},
          {"result", j.result},
          {"created_at", j.created_at},
          {"updated_at", j.updated_at},
          {"started_at", j.started_at},
          {"completed_at", j.completed_at},
          {"run_at", j.run_at}};
}

std::optional<nlohmann::json> JobDetail(pg::JobStore& store, redis::Broker* broker,
                                        const std::string& id) {
  auto job = store.Get(id);
  if (!job) return std::nullopt;
  nlohmann::json out = JobJson(*job);
  out["executions"] = nlohmann::json::array();
  for (const auto& e : store.Executions(id)) {
    out["executions"].push_back({{"attempt", e.attempt},
                                 {"worker_id", e.worker_id},
                                 {"status", e.status},
                                 {"error", e.error},
                                 {"started_at", e.started_at},
                                 {"finished_at", e.finished_at},
                                 {"duration_ms", e.duration_ms}});
  }
  if (broker) {
    try {
      auto h = broker->JobHash(id);
      h.erase("envelope");
      out["redis"] = h;
    } catch (const UnavailableError& e) {
      out["redis"] = {{"error", e.what()}};
    }
  }
  return out;
}

std::vector<std::string> RetryDeadJobs(pg::JobStore& store, redis::Broker& broker,
                                       const std::vector<std::string>& ids,
                                       const std::string& queue, bool all, int64_t now_ms,
                                       const std::function<void(size_t, size_t)>& progress) {
  auto jobs = store.RetryDead(ids, queue, all);
  std::vector<redis::PushItem> pushes;
  for (const auto& j : jobs) {
    JobEnvelope env{.id = j.id,
                    .queue = j.queue,
                    .payload = j.payload,
                    .max_attempts = j.max_attempts,
                    .attempt_count = 0,
                    .tenant_id = j.tenant_id,
                    .enqueued_at_ms = now_ms,
                    .recorded = true};
    pushes.push_back({.id = j.id,
                      .queue = j.queue,
                      .envelope = env.ToWire(),
                      .max_attempts = j.max_attempts,
                      .attempt_count = 0,
                      .tenant_id = j.tenant_id});
  }
  std::vector<std::string> requeued;
  constexpr size_t kChunk = 1000;
  for (size_t i = 0; i < pushes.size(); i += kChunk) {
    std::vector<redis::PushItem> chunk(
        pushes.begin() + static_cast<long>(i),
        pushes.begin() + static_cast<long>(std::min(pushes.size(), i + kChunk)));
    broker.Enqueue(chunk, now_ms);
    std::vector<std::string> ids;
    for (const auto& p : chunk) {
      ids.push_back(p.id);
      requeued.push_back(p.id);
    }
    broker.RemoveFromDead(ids);
    if (progress) progress(requeued.size(), pushes.size());
  }
  return requeued;
}

bool CancelJob(pg::JobStore& store, redis::Broker* broker, const std::string& id) {
  if (!store.Cancel(id)) return false;
  if (broker) {
    auto h = broker->JobHash(id);
    broker->MarkCancelled(id, h.count("queue") ? h["queue"] : "");
  }
  return true;
}

DeleteOutcome DeleteJob(pg::JobStore& store, pg::OperatorStore& ops, redis::Broker& broker,
                        const std::string& id) {
  if (ops.DeleteFinished(id)) {
    broker.ForgetJob(id);
    return DeleteOutcome::kDeleted;
  }
  return store.Get(id) ? DeleteOutcome::kNotFinished : DeleteOutcome::kNotFound;
}

}  // namespace postwork::core
