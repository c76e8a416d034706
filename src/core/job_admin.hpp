#pragma once
// What an operator does to jobs, the same from the CLI and the dashboard:
// look one up, retry dead letters, cancel, delete. PostgreSQL (the record)
// changes first, then Redis follows.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pg/job_store.hpp"
#include "pg/operator_store.hpp"
#include "redis/broker.hpp"

namespace postwork::core {

nlohmann::json JobJson(const pg::StoredJob& job);
// The row, every execution, and the Redis hash (without the envelope; a Redis
// error is shown in place of the hash). nullopt when there is no such job.
std::optional<nlohmann::json> JobDetail(pg::JobStore& store, redis::Broker* broker,
                                        const std::string& id);

// Dead letters back to their queue with a fresh attempt budget: `ids`, or
// every one (of `queue` if not empty) when `all`. Returns the ids requeued;
// an id that was not a dead letter is left alone.
std::vector<std::string> RetryDeadJobs(
    pg::JobStore& store, redis::Broker& broker, const std::vector<std::string>& ids,
    const std::string& queue, bool all, int64_t now_ms,
    const std::function<void(size_t done, size_t total)>& progress = {});

// queued / retry_scheduled -> cancelled. False when the job is in another state.
bool CancelJob(pg::JobStore& store, redis::Broker* broker, const std::string& id);

enum class DeleteOutcome { kDeleted, kNotFound, kNotFinished };
// Only completed and failed (dead) jobs: a live job may still sit in a Redis
// list and would come back when a worker pops it.
DeleteOutcome DeleteJob(pg::JobStore& store, pg::OperatorStore& ops, redis::Broker& broker,
                        const std::string& id);

}  // namespace postwork::core
