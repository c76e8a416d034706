#include "redis/broker.hpp"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "core/envelope.hpp"
#include "core/json_parse.hpp"
#include "redis/keys.hpp"
#include "redis/scripts.hpp"

namespace postwork::redis {

namespace {
// BRPOP over the wake lists of these queues and the single list of older
// versions, then the timeout in seconds.
std::vector<std::string> WakeCommand(const std::vector<std::string>& queues,
                                     const std::string& seconds) {
  std::vector<std::string> argv = {"BRPOP"};
  for (const auto& q : queues) argv.push_back(keys::Wake(q));
  argv.emplace_back(keys::kWake);
  argv.push_back(seconds);
  return argv;
}
}  // namespace

// With several shards a wake-up token may arrive on any of them, and one
// BRPOP cannot wait on two servers: one thread per shard waits on its own
// connection (on the wake lists of the queues that shard holds) while the
// fetcher waits, and the first token wakes the fetcher.
struct Broker::Waiters {
  std::mutex mu;
  std::condition_variable cv;
  bool waiting = false;
  bool stop = false;
  int tokens = 0;
  std::vector<std::string> queues;
  std::vector<std::thread> threads;

  Waiters(const ShardMap& map, const std::vector<std::string>& wanted) : queues(wanted) {
    std::vector<std::vector<std::string>> by_shard(map.size());
    for (const auto& [index, run] : map.Runs(wanted)) {
      by_shard[index].insert(by_shard[index].end(), run.begin(), run.end());
    }
    for (size_t i = 0; i < map.size(); ++i) {
      threads.emplace_back(
          [this, url = map.url(i), argv = WakeCommand(by_shard[i], "0.1")] { Run(url, argv); });
    }
  }
  ~Waiters() {
    {
      std::lock_guard lock(mu);
      stop = true;
    }
    cv.notify_all();
    for (auto& t : threads) t.join();
  }
  void Run(const RedisUrl& url, const std::vector<std::string>& wait_argv) {
    Connection conn(url, std::chrono::milliseconds(1000));
    std::unique_lock lock(mu);
    while (!stop) {
      cv.wait(lock, [&] { return stop || (waiting && tokens == 0); });
      if (stop) break;
      lock.unlock();
      bool got = false, failed = false;
      try {
        got = !conn.BlockingCommand(wait_argv, std::chrono::milliseconds(600)).is_nil();
      } catch (const std::exception&) {
        failed = true;  // this shard is down; the fetch reports it
      }
      lock.lock();
      if (got) {
        ++tokens;
        cv.notify_all();
      }
      if (failed) cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return stop; });
    }
  }
  bool Wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu);
    waiting = true;
    cv.notify_all();
    bool woke = cv.wait_for(lock, timeout, [&] { return tokens > 0 || stop; });
    waiting = false;
    tokens = 0;
    return woke;
  }
};

Broker::Broker(RedisUrl url) : conn_(url), map_(url), orphans_(map_.size(), 0) {
  for (size_t i = 1; i < map_.size(); ++i) {
    others_.push_back(std::make_unique<Connection>(map_.url(i)));
  }
}

Broker::~Broker() = default;

Connection& Broker::shard(size_t i) { return i == 0 ? conn_ : *others_.at(i - 1); }

namespace {
// Runs `fn(shard, items of that shard)` for each shard that has items.
template <typename T, typename QueueOf, typename Fn>
void PerShard(const ShardMap& map, const std::vector<T>& items, QueueOf queue_of, Fn fn) {
  if (map.size() == 1) {
    fn(size_t{0}, items);
    return;
  }
  std::vector<std::vector<T>> groups(map.size());
  for (const auto& it : items) groups[map.ShardOf(queue_of(it))].push_back(it);
  for (size_t i = 0; i < groups.size(); ++i) {
    if (!groups[i].empty()) fn(i, groups[i]);
  }
}
}  // namespace

namespace {
int64_t EnqueueOn(Connection& conn, const std::vector<PushItem>& items, int64_t now_ms) {
  // A producer's batch shares everything but the id and the envelope: then
  // those are sent once (enqueue.lua's 'shared' form).
  const PushItem& first = items.front();
  const bool shared = std::all_of(items.begin(), items.end(), [&](const PushItem& it) {
    return it.queue == first.queue && it.run_at_ms == first.run_at_ms &&
           it.max_attempts == first.max_attempts && it.attempt_count == first.attempt_count &&
           it.tenant_id == first.tenant_id;
  });
  std::vector<std::string> args = {std::to_string(now_ms)};
  if (shared) {
    args.reserve(7 + items.size() * 2);
    args.insert(args.end(), {"shared", first.queue, std::to_string(first.run_at_ms),
                             std::to_string(first.max_attempts),
                             std::to_string(first.attempt_count), first.tenant_id});
    for (const auto& it : items) {
      args.push_back(it.id);
      args.push_back(it.envelope);
    }
  } else {
    args.reserve(2 + items.size() * 7);
    args.push_back("each");
    for (const auto& it : items) {
      args.push_back(it.id);
      args.push_back(it.queue);
      args.push_back(it.envelope);
      args.push_back(std::to_string(it.run_at_ms));
      args.push_back(std::to_string(it.max_attempts));
      args.push_back(std::to_string(it.attempt_count));
      args.push_back(it.tenant_id);
    }
  }
  return conn.Eval(GetScript("enqueue"), {std::string(keys::kScheduled)}, args).AsInt();
}
}  // namespace

int64_t Broker::Enqueue(const std::vector<PushItem>& items, int64_t now_ms) {
  if (items.empty()) return 0;
  int64_t pushed = 0;
  PerShard(
      map_, items, [](const PushItem& p) { return p.queue; },
      [&](size_t i, const std::vector<PushItem>& group) {
        pushed += EnqueueOn(shard(i), group, now_ms);
      });
  return pushed;
}

core::FetchResult Broker::Fetch(const std::string& worker_id,
                                const std::vector<std::string>& queues, int max_jobs,
                                int64_t lease_deadline_ms, int64_t now_ms,
                                const std::function<int(const std::string&)>& default_max) {
  if (map_.size() == 1) {
    try {
      return FetchOn(conn_, worker_id, queues, max_jobs, lease_deadline_ms, now_ms, default_max);
    } catch (const std::exception&) {
      orphans_[0] = 1;
      throw;
    }
  }
  // Run by run in the order given (strict priority holds across shards). A
  // shard that is down is skipped while another one serves: its error is
  // raised only when nothing could be fetched at all.
  // Work may remain when a shard says so, when one failed, or when the batch
  // filled before every shard was asked.
  core::FetchResult out;
  out.more = false;
  std::exception_ptr error;
  for (const auto& [index, run] : map_.Runs(queues)) {
    int want = max_jobs - static_cast<int>(out.jobs.size());
    if (want <= 0) {
      out.more = true;
      break;
    }
    try {
      auto r = FetchOn(shard(index), worker_id, run, want, lease_deadline_ms, now_ms, default_max);
      out.more = out.more || r.more;
      for (auto& j : r.jobs) out.jobs.push_back(std::move(j));
      if (r.next_scheduled_ms > 0 &&
          (out.next_scheduled_ms <= 0 || r.next_scheduled_ms < out.next_scheduled_ms)) {
        out.next_scheduled_ms = r.next_scheduled_ms;
      }
    } catch (const std::exception&) {
      orphans_[index] = 1;
      out.more = true;
      if (!error) error = std::current_exception();
    }
  }
  if (error && out.jobs.empty()) std::rethrow_exception(error);
  return out;
}

core::FetchResult Broker::FetchOn(Connection& conn, const std::string& worker_id,
                                  const std::vector<std::string>& queues, int max_jobs,
                                  int64_t lease_deadline_ms, int64_t now_ms,
                                  const std::function<int(const std::string&)>& default_max) {
  std::vector<std::string> k = {std::string(keys::kScheduled), std::string(keys::kLeases),
                                std::string(keys::kWake), std::string(keys::kLeaseSeq),
                                std::string(keys::kMalformedSeq)};
  k.insert(k.end(), queues.begin(), queues.end());
  Value v = conn.Eval(GetScript("fetch"), k,
                      {std::to_string(now_ms), worker_id, std::to_string(lease_deadline_ms),
                       std::to_string(max_jobs), std::to_string(std::max(max_jobs, 100))});
  core::FetchResult out;
  if (v.elements.size() < 2) return out;
  auto& flat = v.elements[0].elements;  // moved from: the reply is not needed after
  out.jobs.reserve(flat.size() / 7);
  for (size_t i = 0; i + 6 < flat.size(); i += 7) {
    core::LeasedJob job;
    job.id = std::move(flat[i].str);
    job.queue = std::move(flat[i + 1].str);
    job.token = flat[i + 2].AsInt();
    job.raw = std::move(flat[i + 3].str);
    job.malformed_reason = std::move(flat[i + 6].str);
    job.fetched_at_ms = now_ms;
    core::DecodeEnvelope(job, flat[i + 4].str, flat[i + 5].str, default_max(job.queue));
    out.jobs.push_back(std::move(job));
  }
  out.next_scheduled_ms = v.elements[1].AsInt();
  out.more = v.elements[2].AsInt() != 0;
  return out;
}

bool Broker::WaitForWork(const std::vector<std::string>& queues,
                         std::chrono::milliseconds timeout) {
  if (map_.size() > 1) {
    if (!waiters_ || !std::is_permutation(queues.begin(), queues.end(), waiters_->queues.begin(),
                                          waiters_->queues.end())) {
      waiters_.reset();  // other queues than the last wait's: new waiting threads
      waiters_ = std::make_unique<Waiters>(map_, queues);
    }
    return waiters_->Wait(timeout);
  }
  double secs = std::max<double>(0.001, static_cast<double>(timeout.count()) / 1000.0);
  Value v = conn_.BlockingCommand(WakeCommand(queues, std::to_string(secs)), timeout);
  return !v.is_nil();
}

namespace {
std::vector<std::string> FinishOn(Connection& conn, const std::vector<core::FinishRecord>& records,
                                  int64_t now_ms, int64_t terminal_ttl_s) {
  // One group per record: kind, id, token, queue, then what the kind needs
  // (finish.lua). The ids, queues and errors are sent from the records
  // themselves; what has to be formatted (tokens, times, results) goes into
  // one buffer. No string is allocated per argument.
  struct Arg {
    std::string_view ref;  // used when `at` is npos
    size_t at = std::string::npos;
    size_t len = 0;
  };
  std::string text;
  text.reserve(records.size() * 24 + 64);
  std::vector<Arg> spec;
  spec.reserve(2 + records.size() * 5);
  auto put = [&](std::string_view v) {
    spec.push_back({.at = text.size(), .len = v.size()});
    text.append(v);
  };
  auto put_int = [&](int64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    put(std::string_view(buf, static_cast<size_t>(end - buf)));
  };
  auto ref = [&](std::string_view v) { spec.push_back({.ref = v}); };
  put_int(now_ms);
  put_int(terminal_ttl_s);
  using Kind = core::FinishRecord::Kind;
  for (const auto& r : records) {
    ref(core::ToString(r.kind));
    ref(r.id);
    put_int(r.token);
    ref(r.queue);
    switch (r.kind) {
      case Kind::kCompleted:
        put(core::DumpJson(r.result, nlohmann::json::error_handler_t::replace));
        break;
      case Kind::kRetry:
        put_int(r.run_at_ms);
        put_int(r.attempt_count);
        ref(r.error);
        put_int(r.run_at_ms - r.finished_ms);
        break;
      case Kind::kReschedule:
        put_int(r.run_at_ms);
        ref(r.error);
        break;
      case Kind::kFailed:
        ref(r.error);
        put_int(r.attempt_count);
        break;
      case Kind::kSkip:
        ref(r.pg_status);
        break;
      case Kind::kRequeue:
      case Kind::kCancelled:
        break;
    }
  }
  std::vector<std::string_view> args;
  args.reserve(spec.size());
  for (const auto& a : spec) {
    args.push_back(a.at == std::string::npos ? a.ref : std::string_view(text).substr(a.at, a.len));
  }
  Value v = conn.EvalViews(
      GetScript("finish"),
      {std::string(keys::kLeases), std::string(keys::kScheduled), std::string(keys::kDead)}, args);
  std::vector<std::string> fenced;
  for (const auto& e : v.elements) fenced.push_back(e.str);
  return fenced;
}
}  // namespace

std::vector<std::string> Broker::Finish(const std::vector<core::FinishRecord>& records,
                                        int64_t now_ms, int64_t terminal_ttl_s,
                                        std::vector<core::FinishRecord>* unfinished) {
  if (records.empty()) return {};
  std::vector<std::string> fenced;
  std::exception_ptr error;
  bool any_ok = false;
  PerShard(
      map_, records, [](const core::FinishRecord& r) { return r.queue; },
      [&](size_t i, const std::vector<core::FinishRecord>& group) {
        try {
          auto f = FinishOn(shard(i), group, now_ms, terminal_ttl_s);
          fenced.insert(fenced.end(), f.begin(), f.end());
          any_ok = true;
        } catch (const std::exception&) {
          if (unfinished == nullptr) throw;
          if (!error) error = std::current_exception();
          unfinished->insert(unfinished->end(), group.begin(), group.end());
        }
      });
  if (error && !any_ok) {
    unfinished->clear();
    std::rethrow_exception(error);
  }
  return fenced;
}

namespace {
std::vector<std::string> RenewOn(Connection& conn,
                                 const std::vector<std::pair<std::string, int64_t>>& held,
                                 int64_t deadline_ms) {
  std::vector<std::string> args = {std::to_string(deadline_ms)};
  for (const auto& [id, token] : held) {
    args.push_back(id);
    args.push_back(std::to_string(token));
  }
  std::vector<std::string> lost;
  for (const auto& e : conn.Eval(GetScript("renew"), {std::string(keys::kLeases)}, args).elements) {
    lost.push_back(e.str);
  }
  return lost;
}
}  // namespace

std::vector<std::string> Broker::Renew(const std::vector<std::pair<std::string, int64_t>>& held,
                                       int64_t deadline_ms, const std::vector<std::string>& queues,
                                       std::vector<std::string>* not_renewed) {
  if (held.empty()) return {};
  if (map_.size() == 1) return RenewOn(conn_, held, deadline_ms);
  std::vector<std::vector<std::pair<std::string, int64_t>>> groups(map_.size());
  for (size_t i = 0; i < held.size(); ++i) {
    groups[i < queues.size() ? map_.ShardOf(queues[i]) : 0].push_back(held[i]);
  }
  std::vector<std::string> lost, failed;
  std::exception_ptr error;
  bool any_ok = false;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].empty()) continue;
    try {
      auto l = RenewOn(shard(i), groups[i], deadline_ms);
      lost.insert(lost.end(), l.begin(), l.end());
      any_ok = true;
    } catch (const std::exception&) {
      if (not_renewed == nullptr) throw;
      if (!error) error = std::current_exception();
      for (const auto& [id, token] : groups[i]) failed.push_back(id);
    }
  }
  if (error && !any_ok) std::rethrow_exception(error);
  if (not_renewed) not_renewed->insert(not_renewed->end(), failed.begin(), failed.end());
  return lost;
}

int64_t Broker::ReleaseOrphans(const std::string& worker_id, const std::vector<std::string>& held,
                               int64_t now_ms) {
  std::vector<std::string> args = {worker_id, std::to_string(now_ms)};
  args.insert(args.end(), held.begin(), held.end());
  // Ids of other shards are simply absent from a shard's leases.
  int64_t released = 0;
  for (size_t i = 0; i < map_.size(); ++i) {
    if (!orphans_[i]) continue;
    try {
      released +=
          shard(i).Eval(GetScript("release_orphans"), {std::string(keys::kLeases)}, args).AsInt();
      orphans_[i] = 0;
    } catch (const std::exception&) {
      // Still marked: retried at the next call.
    }
  }
  return released;
}

bool Broker::orphans_possible() const {
  return std::find(orphans_.begin(), orphans_.end(), 1) != orphans_.end();
}

std::vector<core::ReclaimedJob> Broker::Reclaim(int64_t now_ms, int limit, int64_t terminal_ttl_s,
                                                int default_max_attempts) {
  std::vector<core::ReclaimedJob> out;
  std::exception_ptr error;
  for (size_t s = 0; s < map_.size(); ++s) {
    try {
      Value v = shard(s).Eval(
          GetScript("reclaim"), {std::string(keys::kLeases), std::string(keys::kDead)},
          {std::to_string(now_ms), std::to_string(limit), std::to_string(terminal_ttl_s),
           std::to_string(default_max_attempts)});
      const auto& f = v.elements;
      for (size_t i = 0; i + 5 < f.size(); i += 6) {
        out.push_back({.id = f[i].str,
                       .queue = f[i + 1].str,
                       .old_worker_id = f[i + 2].str,
                       .old_token = f[i + 3].AsInt(),
                       .attempt_count = static_cast<int>(f[i + 4].AsInt()),
                       .dead = f[i + 5].str == "failed"});
      }
    } catch (const std::exception&) {
      // What other shards reclaimed must still reach PostgreSQL.
      if (!error) error = std::current_exception();
    }
  }
  if (error && out.empty()) std::rethrow_exception(error);
  return out;
}

void Broker::WriteHeartbeat(const std::string& worker_id, const std::string& health_json,
                            int64_t now_ms, int ttl_s) {
  conn_.Pipeline({{"SET", keys::Worker(worker_id), health_json, "EX", std::to_string(ttl_s)},
                  {"ZADD", std::string(keys::kWorkers), std::to_string(now_ms), worker_id}});
}

void Broker::RemoveWorker(const std::string& worker_id) {
  conn_.Pipeline(
      {{"DEL", keys::Worker(worker_id)}, {"ZREM", std::string(keys::kWorkers), worker_id}});
}

std::vector<WorkerRecord> Broker::ListWorkers(int64_t now_ms, int64_t stale_after_ms) {
  conn_.Command({"ZREMRANGEBYSCORE", std::string(keys::kWorkers), "-inf",
                 std::to_string(now_ms - stale_after_ms)});
  Value ids = conn_.Command({"ZRANGE", std::string(keys::kWorkers), "0", "-1", "WITHSCORES"});
  std::vector<WorkerRecord> out;
  std::vector<std::vector<std::string>> gets;
  for (size_t i = 0; i + 1 < ids.elements.size(); i += 2) {
    out.push_back({.id = ids.elements[i].str, .last_seen_ms = ids.elements[i + 1].AsInt()});
    gets.push_back({"GET", keys::Worker(ids.elements[i].str)});
  }
  auto replies = conn_.Pipeline(gets);
  std::vector<WorkerRecord> live;
  for (size_t i = 0; i < out.size(); ++i) {
    if (replies[i].is_nil()) continue;  // the record's TTL ran out: the worker is gone
    out[i].health_json = replies[i].str;
    live.push_back(out[i]);
  }
  return live;
}

bool Broker::TryLock(const std::string& name, const std::string& owner,
                     std::chrono::milliseconds ttl) {
  Value v =
      conn_.Command({"SET", keys::Lock(name), owner, "NX", "PX", std::to_string(ttl.count())});
  return !v.is_nil();
}

std::map<std::string, int64_t> Broker::ReadyCounts(const std::vector<std::string>& queues) {
  std::map<std::string, int64_t> out;
  PerShard(
      map_, queues, [](const std::string& q) { return q; },
      [&](size_t i, const std::vector<std::string>& group) {
        std::vector<std::vector<std::string>> cmds;
        for (const auto& q : group) {
          cmds.push_back({"LLEN", q});
          cmds.push_back({"HGET", "pw:tcount", q});  // jobs waiting in per-tenant lists
        }
        auto replies = shard(i).Pipeline(cmds);
        for (size_t j = 0; j < group.size(); ++j) {
          out[group[j]] = replies[2 * j].AsInt() + replies[2 * j + 1].AsInt();
        }
      });
  return out;
}

namespace {
int64_t SumZcard(Broker& b, std::string_view key) {
  int64_t n = 0;
  for (size_t i = 0; i < b.shards().size(); ++i) {
    n += b.shard(i).Command({"ZCARD", std::string(key)}).AsInt();
  }
  return n;
}
}  // namespace

int64_t Broker::ScheduledCount() { return SumZcard(*this, keys::kScheduled); }
int64_t Broker::InFlightCount() { return SumZcard(*this, keys::kLeases); }
int64_t Broker::DeadCount() { return SumZcard(*this, keys::kDead); }

std::map<std::string, int64_t> Broker::CountersSince(int64_t now_ms, int minutes) {
  std::vector<std::vector<std::string>> cmds;
  int64_t current = now_ms / 60000;
  for (int i = 0; i < minutes; ++i) cmds.push_back({"HGETALL", keys::StatsMinute(current - i)});
  std::map<std::string, int64_t> out;
  for (size_t s = 0; s < map_.size(); ++s) {
    for (const auto& reply : shard(s).Pipeline(cmds)) {
      for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
        out[reply.elements[i].str] += reply.elements[i + 1].AsInt();
      }
    }
  }
  return out;
}

std::vector<std::map<std::string, int64_t>> Broker::CounterSeries(bool per_minute, int64_t first,
                                                                  int count) {
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < count; ++i) {
    cmds.push_back(
        {"HGETALL", per_minute ? keys::StatsMinute(first + i) : keys::StatsSecond(first + i)});
  }
  std::vector<std::map<std::string, int64_t>> out(static_cast<size_t>(std::max(0, count)));
  for (size_t s = 0; s < map_.size(); ++s) {
    auto replies = shard(s).Pipeline(cmds);
    for (size_t k = 0; k < replies.size() && k < out.size(); ++k) {
      const auto& reply = replies[k];
      for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
        out[k][reply.elements[i].str] += reply.elements[i + 1].AsInt();
      }
    }
  }
  return out;
}

int64_t Broker::OldestReadyEnqueuedAt(const std::string& queue) {
  Connection& conn = ForQueue(queue);
  Value v = conn.Command({"LINDEX", queue, "-1"});
  if (v.is_nil()) return 0;
  auto env = nlohmann::json::parse(v.str, nullptr, false);
  if (env.is_object()) {
    if (auto it = env.find("enqueued_at"); it != env.end() && it->is_number_integer()) {
      return it->get<int64_t>();
    }
    if (auto it = env.find("id"); it != env.end() && it->is_string()) {
      Value at = conn.Command({"HGET", keys::Job(it->get<std::string>()), "enqueued_at"});
      return at.AsInt();
    }
  }
  return 0;
}

std::map<std::string, std::string> Broker::JobHash(const std::string& id) {
  std::map<std::string, std::string> out;
  for (size_t s = 0; s < map_.size() && out.empty(); ++s) {
    Value v = shard(s).Command({"HGETALL", keys::Job(id)});
    for (size_t i = 0; i + 1 < v.elements.size(); i += 2) {
      out[v.elements[i].str] = v.elements[i + 1].str;
    }
  }
  return out;
}

void Broker::ForgetJob(const std::string& id) {
  for (size_t s = 0; s < map_.size(); ++s) {
    shard(s).Pipeline({{"DEL", keys::Job(id), keys::Envelope(id)},
                       {"ZREM", std::string(keys::kDead), id},
                       {"ZREM", std::string(keys::kScheduled), id}});
  }
}

bool Broker::JobLive(const std::string& id) {
  for (size_t s = 0; s < map_.size(); ++s) {
    Value v = shard(s).Command({"HGET", keys::Job(id), "status"});
    if (v.is_nil()) continue;
    if (v.str != "completed" && v.str != "failed" && v.str != "cancelled") return true;
  }
  return false;
}

std::vector<Value> Broker::JobStatuses(
    const std::vector<std::pair<std::string, std::string>>& id_queue) {
  std::vector<Value> out(id_queue.size());
  std::vector<std::vector<size_t>> index(map_.size());
  for (size_t i = 0; i < id_queue.size(); ++i) index[map_.ShardOf(id_queue[i].second)].push_back(i);
  for (size_t s = 0; s < map_.size(); ++s) {
    if (index[s].empty()) continue;
    std::vector<std::vector<std::string>> cmds;
    for (size_t i : index[s]) cmds.push_back({"HGET", keys::Job(id_queue[i].first), "status"});
    auto replies = shard(s).Pipeline(cmds);
    for (size_t k = 0; k < index[s].size(); ++k) out[index[s][k]] = std::move(replies[k]);
  }
  return out;
}

void Broker::SettleFinished(const std::string& id, const std::string& queue,
                            const std::string& status, int64_t now_ms, int64_t terminal_ttl_s) {
  std::string key = keys::Job(id);
  std::vector<std::vector<std::string>> cmds = {
      {"HSET", key, "status", status, "updated_at", std::to_string(now_ms)},
      {"HDEL", key, "envelope"},
      {"DEL", keys::Envelope(id)},
      {"EXPIRE", key, std::to_string(terminal_ttl_s)},
      {"ZREM", std::string(keys::kScheduled), id}};
  if (status == "failed") {
    cmds.push_back({"ZADD", std::string(keys::kDead), std::to_string(now_ms), id});
  } else {
    cmds.push_back({"ZREM", std::string(keys::kDead), id});
  }
  ForQueue(queue).Pipeline(cmds);
}

void Broker::MarkCancelled(const std::string& id, const std::string& queue) {
  const std::string key = keys::Job(id);
  (queue.empty() ? conn_ : ForQueue(queue))
      .Pipeline({{"ZREM", std::string(keys::kScheduled), id},
                 {"HSET", key, "status", "cancelled"},
                 {"EXPIRE", key, std::to_string(keys::kCancelledTtlSeconds)},
                 {"DEL", keys::Envelope(id)}});
}

void Broker::RemoveFromDead(const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  std::vector<std::vector<std::string>> zrem;
  for (const auto& id : ids) zrem.push_back({"ZREM", std::string(keys::kDead), id});
  for (size_t s = 0; s < map_.size(); ++s) shard(s).Pipeline(zrem);
}

}  // namespace postwork::redis
