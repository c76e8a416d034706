#pragma once
// The engine's PostgreSQL side. Every write is batched (one statement for many
// jobs) and every write that ends an attempt applies only while the writer's
// lease token is the job's current one.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "pg/connection.hpp"

namespace postwork::pg {

struct EnqueueOutcome {
  std::string id;
  bool created = false;  // false: an existing job (same id or live idempotency key)
};

struct StoredJob {
  std::string id, queue, status;
  nlohmann::json payload;
  int attempt_count = 0, max_attempts = 0;
  std::string worker_id, tenant_id, idempotency_key, last_error;
  nlohmann::json result;
  std::string created_at, updated_at, started_at, completed_at, run_at;
  int64_t run_at_ms = 0;
  int64_t lease_token = 0;
};

struct Execution {
  int attempt = 0;
  std::string worker_id, status, error, started_at, finished_at;
  int64_t duration_ms = 0;
};

struct JobFilter {
  std::string queue, status, tenant;
  int limit = 50;
  std::string older_than;  // an interval, e.g. "7 days"
};

class JobStore {
 public:
  explicit JobStore(std::string url);

  // Batches of made-up ids from this size on are loaded with COPY.
  static constexpr size_t kCopyMinJobs = 32;
  std::vector<EnqueueOutcome> Insert(const std::vector<core::NewJob>& jobs);
  // Marks leased jobs running (creating rows for jobs a foreign producer pushed).
  // Returns the ids accepted; the others are finished or newer elsewhere.
  std::vector<std::string> MarkRunning(const std::vector<core::LeasedJob>& jobs,
                                       const std::string& worker_id);
  // Returns the ids whose write applied (the lease was still the job's).
  std::vector<std::string> ApplyFinishes(const std::vector<core::FinishRecord>& records);
  // The same for records owned elsewhere (no copies of a batch).
  std::vector<std::string> ApplyFinishes(const std::vector<const core::FinishRecord*>& records);
  // Returns the ids applied (see kApplyReclaims).
  std::vector<std::string> ApplyReclaims(const std::vector<core::ReclaimedJob>& jobs);
  // id -> (status, lease_token)
  std::map<std::string, std::pair<std::string, int64_t>> Statuses(
      const std::vector<std::string>& ids);

  // Every live job (queued, retry_scheduled, running) not updated for
  // `grace_s`, handed to `fn` in pages of up to `page` jobs, in no particular
  // order. One cursor in one transaction: the pass reads the unfinished-jobs
  // index once, however long the finished history is. A row that changes
  // during the pass is seen as it was when the pass began.
  void ForEachLiveJobOlderThan(int grace_s, int page,
                               const std::function<void(std::vector<StoredJob>&)>& fn);
  // Those of `ids` that are live and not updated for `grace_s` now, as
  // committed (not as a running pass's snapshot saw them).
  std::vector<StoredJob> LiveJobsOlderThan(const std::vector<std::string>& ids, int grace_s);

  std::optional<StoredJob> Get(const std::string& id);
  std::vector<Execution> Executions(const std::string& id);
  std::vector<StoredJob> List(const JobFilter& filter);
  // Dead letters back to queued with a fresh attempt budget; returns the jobs.
  std::vector<StoredJob> RetryDead(const std::vector<std::string>& ids, const std::string& queue,
                                   bool all);
  std::vector<std::string> PurgeDead(const std::string& queue, const std::string& older_than);
  // queued/retry_scheduled -> cancelled; returns true when it changed.
  bool Cancel(const std::string& id);
  bool Delete(const std::string& id);

  Connection& connection() { return conn_; }

 private:
  // Completions of existing rows (kCompleteJobs); returns the ids applied.
  std::vector<std::string> CompleteJobs(const std::vector<const core::FinishRecord*>& records);
  // Any outcome, creating the row if needed (kApplyFinishes).
  std::vector<std::string> Upsert(const std::vector<const core::FinishRecord*>& records);
  // Loads a batch of made-up ids with COPY; nullopt when the batch mixes
  // delayed and ready jobs, or an id conflicted after all.
  std::optional<std::vector<EnqueueOutcome>> CopyFresh(const std::vector<core::NewJob>& jobs);

  Connection conn_;
};

}  // namespace postwork::pg
