#pragma once
// The engine's Redis side: every state transition is one Lua script call that
// moves a whole batch. One Broker per thread (it owns one connection).
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "redis/connection.hpp"
#include "redis/shard_map.hpp"

namespace postwork::redis {

struct PushItem {
  std::string id;
  std::string queue;
  std::string envelope;  // wire JSON
  int64_t run_at_ms = 0;
  int max_attempts = 5;
  int attempt_count = 0;
  std::string tenant_id;  // "" = the queue list itself; else fair share per tenant
};

struct WorkerRecord {
  std::string id;
  int64_t last_seen_ms = 0;
  std::string health_json;  // "" when the record expired
};

struct QueueDepth {
  int64_t ready = 0;
};

// With queue sharding (RedisUrl::shards) a Broker holds one connection per
// shard (the others opened on first use) and sends each call to the shard of
// the queues it touches; reads that span queues add the shards up. Heartbeats
// and locks stay on the default Redis.
class Broker {
 public:
  explicit Broker(RedisUrl url);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Returns how many were pushed (a job already live in Redis is skipped).
  int64_t Enqueue(const std::vector<PushItem>& items, int64_t now_ms);
  // `default_max_attempts(queue)` fills in jobs whose envelope has none.
  core::FetchResult Fetch(const std::string& worker_id, const std::vector<std::string>& queues,
                          int max_jobs, int64_t lease_deadline_ms, int64_t now_ms,
                          const std::function<int(const std::string&)>& default_max_attempts);
  // Blocks up to `timeout` for a wake-up token of one of these queues (a push
  // to a queue wakes a worker that serves it); true if one came.
  bool WaitForWork(const std::vector<std::string>& queues, std::chrono::milliseconds timeout);
  // Returns the ids that were fenced off (this worker's lease had moved on).
  // When queues are sharded and some shards fail, `unfinished` (if given)
  // takes the records of those shards and the others are acknowledged; the
  // error is rethrown only when every shard involved failed.
  std::vector<std::string> Finish(const std::vector<core::FinishRecord>& records, int64_t now_ms,
                                  int64_t terminal_ttl_s,
                                  std::vector<core::FinishRecord>* unfinished = nullptr);
  // Returns the ids whose lease is no longer ours. `queues[i]` is held[i]'s
  // queue (needed only when sharded; missing = the default Redis).
  // A shard that fails while others answer puts its ids in `not_renewed` (if
  // given) instead of failing the call.
  std::vector<std::string> Renew(const std::vector<std::pair<std::string, int64_t>>& held,
                                 int64_t deadline_ms, const std::vector<std::string>& queues = {},
                                 std::vector<std::string>* not_renewed = nullptr);
  // A fetch that failed may have leased jobs whose reply was lost: true until
  // ReleaseOrphans has run on every shard where one failed.
  bool orphans_possible() const;
  // Puts back jobs leased to `worker_id` that it does not hold, on the shards
  // where a fetch failed since the last release there. Returns how many. A
  // shard that fails keeps its mark and is retried at the next call; it never
  // holds up the others and never throws (the next fetch reports the outage).
  int64_t ReleaseOrphans(const std::string& worker_id, const std::vector<std::string>& held,
                         int64_t now_ms);
  std::vector<core::ReclaimedJob> Reclaim(int64_t now_ms, int limit, int64_t terminal_ttl_s,
                                          int default_max_attempts);

  void WriteHeartbeat(const std::string& worker_id, const std::string& health_json, int64_t now_ms,
                      int ttl_s);
  void RemoveWorker(const std::string& worker_id);
  // Live workers; records of workers whose heartbeat expired are pruned.
  std::vector<WorkerRecord> ListWorkers(int64_t now_ms, int64_t stale_after_ms);

  // Runs `fn` only if this caller wins the named lock for `ttl`.
  bool TryLock(const std::string& name, const std::string& owner, std::chrono::milliseconds ttl);

  std::map<std::string, int64_t> ReadyCounts(const std::vector<std::string>& queues);
  int64_t ScheduledCount();
  int64_t InFlightCount();
  int64_t DeadCount();
  // Sum of the per-minute counters "<kind>:<queue>" over the last `minutes`.
  std::map<std::string, int64_t> CountersSince(int64_t now_ms, int minutes);
  // The counters of `count` consecutive seconds (or minutes) starting at
  // epoch second (or minute) `first`; one map per slot, empty when nothing ran.
  std::vector<std::map<std::string, int64_t>> CounterSeries(bool per_minute, int64_t first,
                                                            int count);
  // Oldest ready entry's enqueued_at per queue (0 when unknown/empty).
  int64_t OldestReadyEnqueuedAt(const std::string& queue);
  std::map<std::string, std::string> JobHash(const std::string& id);
  void ForgetJob(const std::string& id);  // dlq purge / delete
  bool JobLive(const std::string& id);    // hash present in a non-terminal state
  // The job hashes' status fields (nil = Redis does not have the job).
  std::vector<Value> JobStatuses(const std::vector<std::pair<std::string, std::string>>& id_queue);
  void RemoveFromDead(const std::vector<std::string>& ids);
  // Redis takes the terminal state PostgreSQL holds for a job (completed,
  // failed or cancelled); a stale queue entry of it is dropped at fetch.
  void SettleFinished(const std::string& id, const std::string& queue, const std::string& status,
                      int64_t now_ms, int64_t terminal_ttl_s);
  // A job PostgreSQL has just cancelled (an operator, or a send a reply or an
  // unsubscribe made moot): off the schedule, its held envelope deleted, its
  // hash marked and kept a day. A queue entry stays on its list (its text lives
  // only there, and a search would scan the whole list): fetch drops it unrun.
  // `queue` picks the shard; "" = the default Redis.
  void MarkCancelled(const std::string& id, const std::string& queue);

  // The default Redis's connection.
  Connection& connection() { return conn_; }
  const ShardMap& shards() const { return map_; }
  Connection& shard(size_t i);
  Connection& ForQueue(const std::string& queue) { return shard(map_.ShardOf(queue)); }

 private:
  core::FetchResult FetchOn(Connection& conn, const std::string& worker_id,
                            const std::vector<std::string>& queues, int max_jobs,
                            int64_t lease_deadline_ms, int64_t now_ms,
                            const std::function<int(const std::string&)>& default_max);
  struct Waiters;

  Connection conn_;
  ShardMap map_;
  std::vector<std::unique_ptr<Connection>> others_;  // shard i at i - 1
  std::vector<char> orphans_;  // shard i had a fetch fail since its last release
  std::unique_ptr<Waiters> waiters_;
};

}  // namespace postwork::redis
