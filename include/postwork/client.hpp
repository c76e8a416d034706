#pragma once
// The producer API: writes the jobs row (status queued) and pushes the job to
// Redis in one call; batches for bulk enqueue.
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace postwork {

struct ClientOptions {
  std::string redis_url;
  std::string database_url;
  int default_max_attempts = 5;
  std::map<std::string, int> max_attempts_by_queue;  // normalized queue name -> default
  size_t max_payload_bytes = 1 << 20;                // larger payloads are refused
  // false: Enqueue* returns once the jobs are in PostgreSQL and in Redis.
  // true: Enqueue* returns once PostgreSQL has committed them (they are
  // durable: if this process dies before the push, the reconciler queues
  // them); a pusher thread hands them to Redis, in commit order, while the
  // caller writes its next batch. Flush() (and the destructor) waits for the
  // pushes. For producers that enqueue in a loop (docs/benchmarks.md).
  bool pipelined_push = false;
};

struct EnqueueOptions {
  int max_attempts = 0;         // 0 = the queue's default
  int64_t run_at_ms = 0;        // 0 = now; epoch ms
  std::string idempotency_key;  // a live job with this key is returned instead
  std::string tenant_id;
  std::string id;  // "" = a new UUIDv7
};

// One job of a batch, with its own id ("" = a new UUIDv7). An id that exists
// already returns created=false, which makes a derived id an idempotent enqueue.
struct BatchJob {
  nlohmann::json payload;
  std::string id;
};

struct Enqueued {
  std::string id;
  bool created = false;  // false: an existing job was returned (key or id taken)
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Throws ConfigError for a bad queue name or an oversized/invalid payload,
  // UnavailableError when PostgreSQL cannot be reached. When Redis is down the
  // job is still recorded and the reconciler queues it later.
  Enqueued Enqueue(const std::string& queue, const nlohmann::json& payload,
                   const EnqueueOptions& options = {});
  // One PostgreSQL statement and one Redis call per `batch_size` jobs.
  std::vector<Enqueued> EnqueueMany(const std::string& queue,
                                    const std::vector<nlohmann::json>& payloads,
                                    const EnqueueOptions& options = {}, size_t batch_size = 1000);
  // As EnqueueMany, each job with its own id; `options.id` and
  // `options.idempotency_key` must be empty.
  std::vector<Enqueued> EnqueueBatch(const std::string& queue, const std::vector<BatchJob>& jobs,
                                     const EnqueueOptions& options = {}, size_t batch_size = 1000);
  // Waits until every job enqueued so far is in Redis (only pipelined_push
  // leaves pushes in flight when Enqueue* returns). Rethrows a push's error
  // other than Redis being unavailable (which the reconciler covers).
  void Flush();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace postwork
