#include "redis/broker.hpp"

#include <algorithm>

#include "core/envelope.hpp"
#include "redis/keys.hpp"
#include "redis/scripts.hpp"

namespace postwork::redis {

Broker::Broker(RedisUrl url) : conn_(std::move(url)) {}

int64_t Broker::Enqueue(const std::vector<PushItem>& items, int64_t now_ms) {
  if (items.empty()) return 0;
  std::vector<std::string> args = {std::to_string(now_ms)};
  args.reserve(1 + items.size() * 7);
  for (const auto& it : items) {
    args.insert(args.end(), {it.id, it.queue, it.envelope, std::to_string(it.run_at_ms),
                             std::to_string(it.max_attempts), std::to_string(it.attempt_count),
                             it.tenant_id});
  }
  return conn_
      .Eval(GetScript("enqueue"), {std::string(keys::kScheduled), std::string(keys::kWake)}, args)
      .AsInt();
}

core::FetchResult Broker::Fetch(const std::string& worker_id,
                                const std::vector<std::string>& queues, int max_jobs,
                                int64_t lease_deadline_ms, int64_t now_ms,
                                const std::function<int(const std::string&)>& default_max) {
  std::vector<std::string> k = {std::string(keys::kScheduled), std::string(keys::kLeases),
                                std::string(keys::kWake), std::string(keys::kLeaseSeq),
                                std::string(keys::kMalformedSeq)};
  k.insert(k.end(), queues.begin(), queues.end());
  Value v = conn_.Eval(GetScript("fetch"), k,
                       {std::to_string(now_ms), worker_id, std::to_string(lease_deadline_ms),
                        std::to_string(max_jobs), std::to_string(std::max(max_jobs, 100))});
  core::FetchResult out;
  if (v.elements.size() < 2) return out;
  const auto& flat = v.elements[0].elements;
  for (size_t i = 0; i + 6 < flat.size(); i += 7) {
    core::LeasedJob job;
    job.id = flat[i].str;
    job.queue = flat[i + 1].str;
    job.token = flat[i + 2].AsInt();
    job.raw = flat[i + 3].str;
    job.malformed_reason = flat[i + 6].str;
    job.fetched_at_ms = now_ms;
    core::DecodeEnvelope(job, flat[i + 4].str, flat[i + 5].str, default_max(job.queue));
    out.jobs.push_back(std::move(job));
  }
  out.next_scheduled_ms = v.elements[1].AsInt();
  return out;
}

bool Broker::WaitForWork(std::chrono::milliseconds timeout) {
  double secs = std::max<double>(0.001, static_cast<double>(timeout.count()) / 1000.0);
  Value v = conn_.BlockingCommand({"BRPOP", std::string(keys::kWake), std::to_string(secs)},
                                  timeout);
  return !v.is_nil();
}

std::vector<std::string> Broker::Finish(const std::vector<core::FinishRecord>& records,
                                        int64_t now_ms, int64_t terminal_ttl_s) {
  if (records.empty()) return {};
  std::vector<std::string> args = {std::to_string(now_ms), std::to_string(terminal_ttl_s)};
  args.reserve(2 + records.size() * 7);
  using Kind = core::FinishRecord::Kind;
  for (const auto& r : records) {
    std::string a, b, c, d;
    switch (r.kind) {
      case Kind::kCompleted:
        a = r.result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        break;
      case Kind::kRetry:
        a = std::to_string(r.run_at_ms);
        b = std::to_string(r.attempt_count);
        c = r.error;
        d = std::to_string(r.run_at_ms - r.finished_ms);
        break;
      case Kind::kReschedule:
        a = std::to_string(r.run_at_ms);
        b = r.error;
        break;
      case Kind::kFailed:
        a = r.error;
        b = std::to_string(r.attempt_count);
        break;
      case Kind::kSkip:
        a = r.pg_status;
        break;
      case Kind::kRequeue:
      case Kind::kCancelled:
        break;
    }
    args.insert(args.end(), {r.id, std::to_string(r.token), std::string(core::ToString(r.kind)),
                             std::move(a), std::move(b), std::move(c), std::move(d)});
  }
  Value v = conn_.Eval(GetScript("finish"),
                       {std::string(keys::kLeases), std::string(keys::kScheduled),
                        std::string(keys::kDead), std::string(keys::kWake)},
                       args);
  std::vector<std::string> fenced;
  for (const auto& e : v.elements) fenced.push_back(e.str);
  return fenced;
}

std::vector<std::string> Broker::Renew(const std::vector<std::pair<std::string, int64_t>>& held,
                                       int64_t deadline_ms) {
  if (held.empty()) return {};
  std::vector<std::string> args = {std::to_string(deadline_ms)};
  for (const auto& [id, token] : held) {
    args.push_back(id);
    args.push_back(std::to_string(token));
  }
  Value v = conn_.Eval(GetScript("renew"), {std::string(keys::kLeases)}, args);
  std::vector<std::string> lost;
  for (const auto& e : v.elements) lost.push_back(e.str);
  return lost;
}

int64_t Broker::ReleaseOrphans(const std::string& worker_id, const std::vector<std::string>& held,
                               int64_t now_ms) {
  std::vector<std::string> args = {worker_id, std::to_string(now_ms)};
  args.insert(args.end(), held.begin(), held.end());
  return conn_
      .Eval(GetScript("release_orphans"), {std::string(keys::kLeases), std::string(keys::kWake)},
            args)
      .AsInt();
}

std::vector<core::ReclaimedJob> Broker::Reclaim(int64_t now_ms, int limit, int64_t terminal_ttl_s,
                                                int default_max_attempts) {
  Value v = conn_.Eval(
      GetScript("reclaim"),
      {std::string(keys::kLeases), std::string(keys::kDead), std::string(keys::kWake)},
      {std::to_string(now_ms), std::to_string(limit), std::to_string(terminal_ttl_s),
       std::to_string(default_max_attempts)});
  std::vector<core::ReclaimedJob> out;
  const auto& f = v.elements;
  for (size_t i = 0; i + 5 < f.size(); i += 6) {
    out.push_back({.id = f[i].str,
                   .queue = f[i + 1].str,
                   .old_worker_id = f[i + 2].str,
                   .old_token = f[i + 3].AsInt(),
                   .attempt_count = static_cast<int>(f[i + 4].AsInt()),
                   .dead = f[i + 5].str == "failed"});
  }
  return out;
}

void Broker::WriteHeartbeat(const std::string& worker_id, const std::string& health_json,
                            int64_t now_ms, int ttl_s) {
  conn_.Pipeline({{"SET", keys::Worker(worker_id), health_json, "EX", std::to_string(ttl_s)},
                  {"ZADD", std::string(keys::kWorkers), std::to_string(now_ms), worker_id}});
}

void Broker::RemoveWorker(const std::string& worker_id) {
  conn_.Pipeline({{"DEL", keys::Worker(worker_id)},
                  {"ZREM", std::string(keys::kWorkers), worker_id}});
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
  Value v = conn_.Command(
      {"SET", keys::Lock(name), owner, "NX", "PX", std::to_string(ttl.count())});
  return !v.is_nil();
}

std::map<std::string, int64_t> Broker::ReadyCounts(const std::vector<std::string>& queues) {
  std::vector<std::vector<std::string>> cmds;
  for (const auto& q : queues) {
    cmds.push_back({"LLEN", q});
    cmds.push_back({"HGET", "pw:tcount", q});  // jobs waiting in per-tenant lists
  }
  auto replies = conn_.Pipeline(cmds);
  std::map<std::string, int64_t> out;
  for (size_t i = 0; i < queues.size(); ++i) {
    out[queues[i]] = replies[2 * i].AsInt() + replies[2 * i + 1].AsInt();
  }
  return out;
}

int64_t Broker::ScheduledCount() {
  return conn_.Command({"ZCARD", std::string(keys::kScheduled)}).AsInt();
}
int64_t Broker::InFlightCount() {
  return conn_.Command({"ZCARD", std::string(keys::kLeases)}).AsInt();
}
int64_t Broker::DeadCount() { return conn_.Command({"ZCARD", std::string(keys::kDead)}).AsInt(); }

std::map<std::string, int64_t> Broker::CountersSince(int64_t now_ms, int minutes) {
  std::vector<std::vector<std::string>> cmds;
  int64_t current = now_ms / 60000;
  for (int i = 0; i < minutes; ++i) cmds.push_back({"HGETALL", keys::StatsMinute(current - i)});
  std::map<std::string, int64_t> out;
  for (const auto& reply : conn_.Pipeline(cmds)) {
    for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
      out[reply.elements[i].str] += reply.elements[i + 1].AsInt();
    }
  }
  return out;
}

std::vector<std::map<std::string, int64_t>> Broker::CounterSeries(bool per_minute, int64_t first,
                                                                  int count) {
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < count; ++i) {
    cmds.push_back({"HGETALL", per_minute ? keys::StatsMinute(first + i)
                                          : keys::StatsSecond(first + i)});
  }
  std::vector<std::map<std::string, int64_t>> out;
  for (const auto& reply : conn_.Pipeline(cmds)) {
    auto& slot = out.emplace_back();
    for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
      slot[reply.elements[i].str] = reply.elements[i + 1].AsInt();
    }
  }
  return out;
}

int64_t Broker::OldestReadyEnqueuedAt(const std::string& queue) {
  Value v = conn_.Command({"LINDEX", queue, "-1"});
  if (v.is_nil()) return 0;
  auto env = nlohmann::json::parse(v.str, nullptr, false);
  if (env.is_object()) {
    if (auto it = env.find("enqueued_at"); it != env.end() && it->is_number_integer()) {
      return it->get<int64_t>();
    }
    if (auto it = env.find("id"); it != env.end() && it->is_string()) {
      Value at = conn_.Command({"HGET", keys::Job(it->get<std::string>()), "enqueued_at"});
      return at.AsInt();
    }
  }
  return 0;
}

std::map<std::string, std::string> Broker::JobHash(const std::string& id) {
  Value v = conn_.Command({"HGETALL", keys::Job(id)});
  std::map<std::string, std::string> out;
  for (size_t i = 0; i + 1 < v.elements.size(); i += 2) out[v.elements[i].str] = v.elements[i + 1].str;
  return out;
}

void Broker::ForgetJob(const std::string& id) {
  conn_.Pipeline({{"DEL", keys::Job(id)},
                  {"ZREM", std::string(keys::kDead), id},
                  {"ZREM", std::string(keys::kScheduled), id}});
}

bool Broker::JobLive(const std::string& id) {
  Value v = conn_.Command({"HGET", keys::Job(id), "status"});
  if (v.is_nil()) return false;
  return v.str != "completed" && v.str != "failed" && v.str != "cancelled";
}

}  // namespace postwork::redis
