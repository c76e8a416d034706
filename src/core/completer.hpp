#pragma once
// Collects attempt outcomes for a few milliseconds and writes them in one
// PostgreSQL statement, then one Redis script call: PostgreSQL (the system of
// record) commits before Redis lets go of the job. The two writes are a
// pipeline of two threads: while Redis acknowledges one batch, PostgreSQL
// writes the next, so the two servers work at the same time.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/in_flight.hpp"
#include "core/outage.hpp"
#include "core/worker_stats.hpp"
#include "pg/job_store.hpp"
#include "redis/broker.hpp"

namespace postwork::core {

struct CompleterOptions {
  std::string worker_id;
  // How long a flush waits for more outcomes before it writes: a batch of
  // jobs that finished together is one statement.
  std::chrono::milliseconds flush_interval{2};
  // Under load (the previous flush wrote at least busy_batch outcomes) the
  // wait is longer: fewer, larger statements and acknowledgements. Each job's
  // outcome then becomes durable up to this long after its handler returned
  // (it stays leased meanwhile); at low rates the short wait applies.
  std::chrono::milliseconds busy_flush_interval{6};
  size_t busy_batch = 64;
  // A job still running this long after its fetch gets its running mark.
  std::chrono::milliseconds running_mark_after{20};
  size_t max_batch = 1000;
  int64_t terminal_ttl_s = 86400;
  DeadLetterListener on_dead_letter{};  // after PostgreSQL recorded the failures
};

// Calls `listener` (when set) and logs instead of throwing.
void NotifyDeadLetters(const DeadLetterListener& listener, const std::vector<DeadLetter>& dead,
                       const std::string& worker_id);

class Completer {
 public:
  Completer(CompleterOptions options, redis::RedisUrl redis, std::string database_url,
            InFlight& in_flight, WorkerStats& stats, const Clock& clock);
  ~Completer();
  void Start();
  void Submit(FinishRecord record);
  // Writes everything submitted so far, then stops the thread.
  void Stop();
  size_t pending();

 private:
  void Run();
  void AckLoop();
  void Flush(std::vector<FinishRecord>& batch);
  // Returns how many records it settled; the others wait in deferred_.
  size_t AckRedis(std::vector<FinishRecord>& batch);
  void Defer(std::vector<FinishRecord> records, const std::string& error);
  void WritePostgres(std::vector<FinishRecord>& batch);
  void WriteRunningMarks();
  void Count(const FinishRecord& r);
  void ReleaseHeld(const std::vector<FinishRecord>& batch);

  CompleterOptions options_;
  redis::Broker broker_;
  pg::JobStore store_;
  InFlight& in_flight_;
  WorkerStats& stats_;
  const Clock& clock_;
  OutageTracker redis_outage_, pg_outage_;
  std::mutex mu_;
  std::condition_variable cv_;
  // A vector, not a deque: a FinishRecord is larger than a deque's 512-byte
  // block, so a deque allocated once per job.
  std::vector<FinishRecord> queue_;
  size_t in_progress_ = 0;
  size_t last_batch_ = 0;  // outcomes the previous flush wrote (Run's thread only)
  bool stopping_ = false;
  std::thread thread_;
  // Batches PostgreSQL has recorded, waiting for their Redis acknowledgement.
  std::mutex ack_mu_;
  std::condition_variable ack_cv_;
  std::deque<std::vector<FinishRecord>> acks_;
  size_t acks_pending_ = 0;  // records queued or being acknowledged
  bool ack_stopping_ = false;
  // Acknowledgements a Redis (or one shard of several) refused, retried at
  // retry_at_ while newer batches go ahead. Touched by the acker thread only.
  std::vector<FinishRecord> deferred_;
  std::chrono::steady_clock::time_point retry_at_{};
  std::thread acker_;
};

}  // namespace postwork::core
