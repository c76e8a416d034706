#include "core/worker.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "app/log.hpp"
#include "core/ids.hpp"
#include "core/malloc_tuning.hpp"
#include "core/outcome.hpp"
#include "pg/job_store.hpp"
#include "pg/migrator.hpp"
#include "postwork/error.hpp"
#include "redis/broker.hpp"

namespace postwork::core {

void WorkerOptions::Validate() const {
  if (redis_url.empty()) throw ConfigError("no Redis URL (set POSTWORK_REDIS_URL)");
  if (database_url.empty()) throw ConfigError("no database URL (set POSTWORK_DATABASE_URL)");
  if (queues.empty()) throw ConfigError("--queues: at least one queue is needed");
  if (concurrency < 1 || concurrency > 10000) throw ConfigError("--concurrency must be 1..10000");
  if (lease_seconds < 2) throw ConfigError("--lease-seconds must be at least 2");
  if (shutdown_timeout_seconds < 0) throw ConfigError("--shutdown-timeout must be >= 0");
  if (poll_interval_ms < 1) throw ConfigError("poll interval must be at least 1 ms");
  if (prefetch < 0 || prefetch > 1000) throw ConfigError("--prefetch must be 0..1000");
  if (default_max_attempts < 1) throw ConfigError("max_attempts must be at least 1");
  if (slot_scaling) {
    if (slot_scaling->min < 1) throw ConfigError("--min-concurrency must be at least 1");
    if (slot_scaling->max > 10000) throw ConfigError("--max-concurrency must be at most 10000");
    slot_scaling->Validate();
  }
}

Worker::Worker(WorkerOptions options, const HandlerRegistry& handlers, const Clock& clock)
    : options_(std::move(options)), handlers_(handlers), clock_(clock) {
  if (options_.slot_scaling) options_.concurrency = options_.slot_scaling->max;
  options_.Validate();
  if (options_.id.empty()) options_.id = NewWorkerId();
  if (options_.batch_size <= 0) options_.batch_size = std::min(options_.concurrency, 100);
  started_ms_ = clock_.NowMs();  // health endpoints may answer before Run()
}

Worker::~Worker() {
  RequestStop();
  if (maintenance_.joinable()) maintenance_.join();
  if (reconciler_.joinable()) reconciler_.join();
}

int Worker::TimeoutMsFor(const std::string& queue) const {
  auto it = options_.timeout_seconds_by_queue.find(queue);
  int s =
      it == options_.timeout_seconds_by_queue.end() ? options_.default_timeout_seconds : it->second;
  return s * 1000;
}

int Worker::MaxAttemptsFor(const std::string& queue) const {
  auto it = options_.max_attempts_by_queue.find(queue);
  return it == options_.max_attempts_by_queue.end() ? options_.default_max_attempts : it->second;
}

int Worker::active_slots() const {
  return executor_ ? executor_->active_slots() : options_.concurrency;
}

void Worker::RequestStop() {
  {
    std::lock_guard lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
}

std::string Worker::HealthJson() const {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  long rss_kb = 0;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) rss_kb = std::stol(line.substr(6));
  }
  int64_t now = clock_.NowMs();
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  nlohmann::json j = {
      {"worker_id", options_.id},
      {"status", stop_ ? "stopping" : "healthy"},
      {"uptime", static_cast<double>(now - started_ms_) / 1000.0},
      {"memory_usage", {{"rss_bytes", rss_kb * 1024}, {"max_rss_bytes", ru.ru_maxrss * 1024}}},
      {"cpu_seconds", static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                          static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6},
      {"jobs_processed", stats_.processed.load()},
      {"jobs_failed", stats_.failed.load()},
      {"jobs_dead", stats_.dead.load()},
      {"jobs_reclaimed", stats_.reclaimed.load()},
      {"average_processing_time", stats_.AverageMs()},
      {"last_heartbeat", now},
      {"hostname", host},
      {"pid", ::getpid()},
      {"concurrency", options_.concurrency},
      {"queues", options_.queues},
  };
  return j.dump();
}

void Worker::Run() {
  TuneMallocForWorker();
  {
    // Refuse to run on a database the migrations have not reached.
    pg::Connection conn(options_.database_url);
    pg::Migrator(conn).RequireCurrent();
  }
  completer_ = std::make_unique<Completer>(
      CompleterOptions{.worker_id = options_.id,
                       .terminal_ttl_s = options_.terminal_ttl_seconds,
                       .on_dead_letter = handlers_.dead_letter_listener()},
      redis::ParseRedisUrl(options_.redis_url), options_.database_url, in_flight_, stats_, clock_);
  executor_ = std::make_unique<Executor>(options_.concurrency, options_.id, handlers_, *completer_,
                                         options_.retry, clock_, stats_);
  if (options_.slot_scaling) executor_->SetActiveSlots(options_.slot_scaling->min);
  completer_->Start();
  executor_->Start();
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
  reconciler_ = std::thread([this] { ReconcileLoop(); });
  log::Info("worker started", {{"worker_id", options_.id},
                               {"concurrency", std::to_string(options_.concurrency)},
                               {"queues", std::to_string(options_.queues.size())}});
  if (redis::ShardMap shards(redis::ParseRedisUrl(options_.redis_url)); shards.size() > 1) {
    log::Info("queues are sharded over several Redis servers",
              {{"worker_id", options_.id}, {"shards", shards.Describe()}});
  }
  FetchLoop();
  Shutdown();
}

void Worker::FetchLoop() {
  redis::Broker broker(redis::ParseRedisUrl(options_.redis_url));
  OutageTracker redis_outage("Redis", options_.id);
  std::mt19937_64 rng(std::random_device{}());
  auto max_attempts = [this](const std::string& q) { return MaxAttemptsFor(q); };
  fetching_ = true;
  // Leases held: running, waiting for a slot (at most one fetch's batch: a
  // fetch happens only when a slot is free), or finished and waiting for the
  // completer's PostgreSQL and Redis writes. The allowance for the last kind
  // lets the next batches run while the previous ones are written, without
  // an unbounded backlog.
  const size_t max_held = static_cast<size_t>(options_.concurrency) * 10 + 1000;
  const int min_fetch = std::max(1, std::min(options_.batch_size, options_.concurrency) / 2);
  // Nothing left to fetch: wait for a push's wake-up (or the next scheduled
  // job, or the poll interval for producers that push without waking).
  auto wait_for_work = [&](int64_t next_scheduled_ms) {
    auto wait = std::chrono::milliseconds(options_.poll_interval_ms);
    if (next_scheduled_ms > 0) {
      int64_t at = clock_.NowMs();
      wait =
          std::min(wait, std::chrono::milliseconds(std::max<int64_t>(1, next_scheduled_ms - at)));
    }
    try {
      broker.WaitForWork(options_.queues, wait);
    } catch (const UnavailableError&) {
      // The next Fetch reports the outage.
    }
  };
  while (!stop_) {
    // Short jobs (the recent handlers took under 2 ms on average, about a
    // fetch's round trip, and none running now has taken that long) may wait
    // here beyond the free slots, a few at most: a fetch of many instead of
    // one per freed slot. Nothing is fetched behind a job that runs long, where
    // another worker could run it meanwhile.
    executor_->SetPrefetch(executor_->RecentJobsShort(kShortJobUs) ? options_.prefetch : 0);
    int free = executor_->Room();
    if (free <= 0) {
      executor_->WaitForRoom(std::chrono::milliseconds(100));
      continue;
    }
    size_t held_now = in_flight_.size();
    if (held_now >= max_held) {
      in_flight_.WaitBelow(max_held, std::chrono::milliseconds(100));
      continue;
    }
    // Fetch in batches, not one job per freed slot: wait a moment for more
    // room unless the worker is idle.
    int room = static_cast<int>(max_held - held_now);
    if (room < min_fetch && held_now > 0) {
      in_flight_.WaitBelow(max_held - static_cast<size_t>(min_fetch) + 1,
                           std::chrono::milliseconds(2));
      room = static_cast<int>(max_held - std::min(max_held, in_flight_.size()));
      if (room <= 0) continue;
    }
    free = std::min(room, std::max(options_.batch_size, std::min(free, options_.prefetch + 1)));
    FetchResult fetched;
    int64_t now = clock_.NowMs();
    if (broker.orphans_possible()) {
      // Only on the shards where a fetch failed. One that is still down keeps
      // its mark and never holds up fetching from the others (the fetch below
      // reports the outage; a lease it cannot release expires and is
      // reclaimed).
      std::vector<std::string> held;
      for (const auto& [id, token] : in_flight_.Leases()) held.push_back(id);
      if (int64_t n = broker.ReleaseOrphans(options_.id, held, now); n > 0) {
        log::Warn("put back jobs leased by a fetch whose reply was lost",
                  {{"worker_id", options_.id}, {"jobs", std::to_string(n)}});
      }
    }
    try {
      fetched = broker.Fetch(options_.id, OrderForFetch(options_.queues, options_.order, rng), free,
                             now + options_.lease_seconds * 1000LL, now, max_attempts);
      redis_outage.Succeeded();
    } catch (const std::exception& e) {
      // UnavailableError is an outage; anything else (a script error) is
      // logged the same way and retried: a worker never dies of a bad reply.
      ++stats_.redis_errors;
      fetching_ = false;  // the broker marks the shards whose reply may be lost
      std::unique_lock lock(stop_mu_);
      stop_cv_.wait_for(lock, redis_outage.Failed(e.what()), [&] { return stop_.load(); });
      continue;
    }
    fetching_ = true;
    if (fetched.jobs.empty()) {
      wait_for_work(fetched.next_scheduled_ms);
      continue;
    }
    const bool more = fetched.more;
    const int64_t next_scheduled_ms = fetched.next_scheduled_ms;
    std::vector<int64_t> timeouts;
    timeouts.reserve(fetched.jobs.size());
    for (const auto& job : fetched.jobs) timeouts.push_back(TimeoutMsFor(job.queue));
    auto held = in_flight_.AddMany(std::move(fetched.jobs), timeouts);
    std::vector<std::shared_ptr<HeldJob>> runnable;
    runnable.reserve(held.size());
    for (auto& h : held) {
      h->lease_deadline_ms = now + options_.lease_seconds * 1000LL;
      if (h->job.malformed_reason.empty()) {
        // No PostgreSQL round trip before the job starts: the completer writes
        // the running mark only if the job outlives a flush window, otherwise
        // one write records running-and-finished together.
        runnable.push_back(std::move(h));
        continue;
      }
      h->ClaimReport();
      log::Warn(
          "dead-lettering a malformed queue entry",
          {{"worker_id", options_.id}, {"job_id", h->job.id}, {"error", h->job.malformed_reason}});
      completer_->Submit({.kind = FinishRecord::Kind::kFailed,
                          .id = h->job.id,
                          .queue = h->job.queue,
                          .token = h->job.token,
                          .worker_id = options_.id,
                          .attempt = 1,
                          .attempt_count = 1,
                          .error = h->job.malformed_reason,
                          .started_ms = now,
                          .finished_ms = now,
                          .execution_status = "failed",
                          .payload = {{"raw", nlohmann::json(h->job.raw)}},
                          .max_attempts = h->job.envelope.max_attempts});
    }
    executor_->Dispatch(std::move(runnable));
    // The fetch emptied its queues: an immediate second fetch would find
    // nothing (at a steady trickle of jobs, every job cost one empty fetch).
    if (!more && !stop_) wait_for_work(next_scheduled_ms);
  }
  fetching_ = false;
}

void Worker::Shutdown() {
  log::Info("shutting down: no new jobs; waiting for running jobs",
            {{"worker_id", options_.id},
             {"in_flight", std::to_string(in_flight_.size())},
             {"timeout_s", std::to_string(options_.shutdown_timeout_seconds)}});
  auto requeue = [&](const std::shared_ptr<HeldJob>& h) {
    if (!h->ClaimReport()) return;
    h->cancel.Cancel();
    completer_->Submit(DecideRequeue(h->job, options_.id, h->started_ms.load(), clock_.NowMs(),
                                     h->started, "worker shut down before the job finished"));
  };
  // Jobs not started yet go straight back to the head of their queue.
  for (auto& h : executor_->TakeQueued()) requeue(h);
  bool drained = in_flight_.WaitEmpty(std::chrono::seconds(options_.shutdown_timeout_seconds));
  if (!drained) {
    auto left = in_flight_.All();
    log::Warn("shutdown timeout reached: putting unfinished jobs back without using an attempt",
              {{"worker_id", options_.id}, {"jobs", std::to_string(left.size())}});
    for (auto& h : left) requeue(h);
    in_flight_.WaitEmpty(std::chrono::seconds(10));
  }
  stop_ = true;
  stop_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  if (reconciler_.joinable()) reconciler_.join();
  completer_->Stop();
  bool idle = executor_->Stop(std::chrono::seconds(2));
  try {
    redis::Broker(redis::ParseRedisUrl(options_.redis_url)).RemoveWorker(options_.id);
  } catch (const std::exception&) {
    // Its health record expires by itself.
  }
  log::Info("worker stopped", {{"worker_id", options_.id},
                               {"processed", std::to_string(stats_.processed.load())},
                               {"handlers_still_running", idle ? "0" : "some (detached)"}});
}

}  // namespace postwork::core
