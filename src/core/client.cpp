#include "postwork/client.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "app/log.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json_parse.hpp"
#include "core/queues.hpp"
#include "pg/job_store.hpp"
#include "postwork/error.hpp"
#include "redis/broker.hpp"

namespace postwork {

struct Client::Impl {
  ClientOptions options;
  pg::JobStore store;
  redis::Broker broker;
  Impl(ClientOptions o)
      : options(std::move(o)),
        store(options.database_url),
        broker(redis::ParseRedisUrl(options.redis_url)) {}
  ~Impl() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    cv.notify_all();
    if (pusher.joinable()) pusher.join();  // pushes what is queued first
  }

  void Push(const std::vector<redis::PushItem>& pushes, int64_t now) {
    if (pushes.empty()) return;
    try {
      try {
        broker.Enqueue(pushes, now);
      } catch (const UnavailableError&) {
        // A connection that went stale (Redis restarted since our last call)
        // fails once; the enqueue script is idempotent, so try a fresh one.
        broker.Enqueue(pushes, now);
      }
    } catch (const UnavailableError& e) {
      // Recorded in PostgreSQL: the reconciler pushes it once Redis is back.
      log::Warn(
          "Redis unavailable at enqueue; the jobs are recorded and will be queued by the "
          "reconciler",
          {{"error", e.what()}, {"jobs", std::to_string(pushes.size())}});
    }
  }

  // The pusher: one thread that pushes committed batches to Redis in the
  // order they were committed, while the caller's thread writes the next
  // batch to PostgreSQL. At most one batch waits behind the one being pushed
  // (the caller blocks rather than queue more).
  void Submit(std::vector<redis::PushItem> pushes, int64_t now) {
    if (pushes.empty()) return;
    std::unique_lock lock(mu);
    if (!pusher.joinable()) pusher = std::thread([this] { PushLoop(); });
    cv.wait(lock, [&] { return queue.empty() || error; });
    RethrowLocked();
    queue.push_back({std::move(pushes), now});
    cv.notify_all();
  }
  // Waits until every submitted batch has been pushed.
  void Flush() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return (queue.empty() && !busy) || error; });
    RethrowLocked();
  }

 private:
  struct Batch {
    std::vector<redis::PushItem> pushes;
    int64_t now;
  };
  void RethrowLocked() {
    if (!error) return;
    auto e = std::exchange(error, nullptr);
    std::rethrow_exception(e);
  }
  void PushLoop() {
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return !queue.empty() || stopping; });
      if (queue.empty()) return;  // stopping, nothing left
      Batch b = std::move(queue.front());
      queue.pop_front();
      busy = true;
      cv.notify_all();  // room for the next batch
      lock.unlock();
      std::exception_ptr failed;
      try {
        Push(b.pushes, b.now);
      } catch (...) {
        failed = std::current_exception();
      }
      lock.lock();
      busy = false;
      if (failed && !error) error = failed;
      cv.notify_all();
    }
  }

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Batch> queue;
  bool busy = false;
  bool stopping = false;
  std::exception_ptr error;
  std::thread pusher;
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;

void Client::Flush() { impl_->Flush(); }

Enqueued Client::Enqueue(const std::string& queue, const nlohmann::json& payload,
                         const EnqueueOptions& options) {
  return EnqueueMany(queue, {payload}, options).at(0);
}

std::vector<Enqueued> Client::EnqueueMany(const std::string& queue_name,
                                          const std::vector<nlohmann::json>& payloads,
                                          const EnqueueOptions& options, size_t batch_size) {
  if (payloads.size() > 1 && (!options.id.empty() || !options.idempotency_key.empty())) {
    throw ConfigError("an explicit id or idempotency key applies to a single job, not a batch");
  }
  std::vector<BatchJob> jobs;
  jobs.reserve(payloads.size());
  for (const auto& p : payloads) jobs.push_back({.payload = p, .id = options.id});
  EnqueueOptions shared = options;
  shared.id.clear();
  return EnqueueBatch(queue_name, jobs, shared, batch_size);
}

std::vector<Enqueued> Client::EnqueueBatch(const std::string& queue_name,
                                           const std::vector<BatchJob>& payloads,
                                           const EnqueueOptions& options, size_t batch_size) {
  if (!options.id.empty()) throw ConfigError("EnqueueBatch: give each job its own id");
  const std::string queue = core::NormalizeQueueName(queue_name);
  int max_attempts = options.max_attempts;
  if (max_attempts == 0) {
    auto it = impl_->options.max_attempts_by_queue.find(queue);
    max_attempts = it != impl_->options.max_attempts_by_queue.end()
                       ? it->second
                       : impl_->options.default_max_attempts;
  }
  if (max_attempts < 1 || max_attempts > 1000) {
    throw ConfigError("max_attempts must be between 1 and 1000 (got " +
                      std::to_string(max_attempts) + ")");
  }
  if (payloads.size() > 1 && !options.idempotency_key.empty()) {
    throw ConfigError("an explicit id or idempotency key applies to a single job, not a batch");
  }
  std::vector<Enqueued> out;
  out.reserve(payloads.size());
  const auto& clock = core::SystemClock::Instance();
  for (size_t start = 0; start < payloads.size(); start += batch_size) {
    size_t end = std::min(payloads.size(), start + batch_size);
    int64_t now = clock.NowMs();
    std::vector<core::NewJob> jobs;
    jobs.reserve(end - start);
    for (size_t i = start; i < end; ++i) {
      // A missing payload is an empty object, as in the seed's envelope. It is
      // serialised once: PostgreSQL and the Redis envelope take the same text.
      std::string wire_payload =
          payloads[i].payload.is_null() ? std::string("{}") : core::DumpJson(payloads[i].payload);
      if (wire_payload.size() > impl_->options.max_payload_bytes) {
        throw ConfigError("payload of " + std::to_string(wire_payload.size()) +
                          " bytes is over the limit of " +
                          std::to_string(impl_->options.max_payload_bytes) + " bytes");
      }
      jobs.push_back(
          core::NewJob{.id = payloads[i].id.empty() ? core::NewJobId(now) : payloads[i].id,
                       .queue = queue,
                       .payload = nullptr,
                       .payload_json = std::move(wire_payload),
                       .max_attempts = max_attempts,
                       .run_at_ms = options.run_at_ms,
                       .tenant_id = options.tenant_id,
                       .idempotency_key = options.idempotency_key,
                       .generated_id = payloads[i].id.empty()});
    }
    auto results = impl_->store.Insert(jobs);  // in the order of `jobs`
    std::vector<redis::PushItem> pushes;
    pushes.reserve(results.size());
    for (size_t i = 0; i < results.size(); ++i) {
      out.push_back({.id = results[i].id, .created = results[i].created});
      if (!results[i].created) continue;
      const JobEnvelope env{.id = jobs[i].id,
                            .queue = queue,
                            .payload = nullptr,
                            .max_attempts = max_attempts,
                            .attempt_count = 0,
                            .tenant_id = options.tenant_id,
                            .enqueued_at_ms = now,
                            .recorded = true};
      pushes.push_back({.id = jobs[i].id,
                        .queue = queue,
                        .envelope = env.ToWireWith(jobs[i].payload_json),
                        .run_at_ms = options.run_at_ms > now ? options.run_at_ms : 0,
                        .max_attempts = max_attempts,
                        .attempt_count = 0,
                        .tenant_id = options.tenant_id});
    }
    // Redis takes this batch while PostgreSQL inserts the next one (each
    // batch's rows are committed before its push starts). A single batch
    // without pipelined pushes goes straight to Redis on this thread.
    if (!impl_->options.pipelined_push && start == 0 && end == payloads.size()) {
      impl_->Push(pushes, now);
    } else {
      impl_->Submit(std::move(pushes), now);
    }
  }
  if (!impl_->options.pipelined_push) impl_->Flush();
  return out;
}

}  // namespace postwork
