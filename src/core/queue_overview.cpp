#include "core/queue_overview.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/queues.hpp"
#include "postwork/error.hpp"

namespace postwork::core {

std::vector<std::string> KnownQueues(const std::vector<std::string>& extra,
                                     const std::vector<pg::QueueCounts>& counts) {
  std::vector<std::string> out = DefaultQueues();
  out.push_back(std::string(kDiagnosticQueue));
  std::set<std::string> seen(out.begin(), out.end());
  std::vector<std::string> more;
  for (const auto& q : extra) {
    if (seen.insert(q).second) more.push_back(q);
  }
  for (const auto& c : counts) {
    if (seen.insert(c.queue).second) more.push_back(c.queue);
  }
  std::sort(more.begin(), more.end());
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

Overview ReadOverview(redis::Broker& broker, pg::OperatorStore* store,
                      const std::vector<std::string>& extra_queues, int64_t now_ms) {
  Overview o;
  o.now_ms = now_ms;
  std::vector<pg::QueueCounts> counts;
  if (store) {
    try {
      counts = store->CountsByQueue();
    } catch (const std::exception& e) {
      o.postgres_error = e.what();
    }
  }
  std::map<std::string, pg::QueueCounts> by_queue;
  for (const auto& c : counts) by_queue[c.queue] = c;
  auto queues = KnownQueues(extra_queues, counts);
  auto ready = broker.ReadyCounts(queues);
  // The last 60 seconds from the per-second counters (the current minute's
  // hash alone would read 0 just after a minute turns).
  std::map<std::string, int64_t> minute;
  for (const auto& slot : broker.CounterSeries(false, now_ms / 1000 - 59, 60)) {
    for (const auto& [field, n] : slot) minute[field] += n;
  }
  auto hour = broker.CountersSince(now_ms, 60);
  o.scheduled = broker.ScheduledCount();
  o.in_flight = broker.InFlightCount();
  o.dead = broker.DeadCount();
  for (const auto& q : queues) {
    QueueRow row{.queue = q,
                 .ready = ready[q],
                 .processed_1m = minute["processed:" + q],
                 .failed_1m = minute["failed:" + q],
                 .processed_1h = hour["processed:" + q],
                 .failed_1h = hour["failed:" + q],
                 .dead_1h = hour["dead:" + q]};
    if (auto it = by_queue.find(q); it != by_queue.end()) {
      row.scheduled = it->second.scheduled;
      row.in_flight = it->second.running;
      row.dead = it->second.dead;
    }
    if (row.ready > 0) {
      int64_t oldest = broker.OldestReadyEnqueuedAt(q);
      if (oldest > 0)
        row.oldest_ready_age_s =
            static_cast<double>(std::max<int64_t>(0, now_ms - oldest)) / 1000.0;
    }
    o.ready += row.ready;
    o.processed_1m += row.processed_1m;
    o.failed_1m += row.failed_1m;
    o.processed_1h += row.processed_1h;
    o.failed_1h += row.failed_1h;
    o.queues.push_back(std::move(row));
  }
  return o;
}

nlohmann::json ToJson(const Overview& o) {
  nlohmann::json queues = nlohmann::json::array();
  for (const auto& q : o.queues) {
    queues.push_back({{"queue", q.queue},
                      {"ready", q.ready},
                      {"scheduled", q.scheduled},
                      {"in_flight", q.in_flight},
                      {"dead", q.dead},
                      {"processed_1m", q.processed_1m},
                      {"failed_1m", q.failed_1m},
                      {"processed_1h", q.processed_1h},
                      {"failed_1h", q.failed_1h},
                      {"dead_1h", q.dead_1h},
                      {"oldest_ready_age_s", q.oldest_ready_age_s}});
  }
  nlohmann::json j = {{"now_ms", o.now_ms},       {"ready", o.ready},
                      {"scheduled", o.scheduled}, {"in_flight", o.in_flight},
                      {"dead", o.dead},           {"processed_1m", o.processed_1m},
                      {"failed_1m", o.failed_1m}, {"processed_1h", o.processed_1h},
                      {"failed_1h", o.failed_1h}, {"queues", queues}};
  if (!o.postgres_error.empty()) j["postgres_error"] = o.postgres_error;
  return j;
}

Throughput ReadThroughput(redis::Broker& broker, const std::string& window,
                          const std::string& queue, int64_t now_ms) {
  Throughput t{.window = window};
  bool per_minute = false;
  int count = 0;
  if (window == "15m") {
    count = 900;
  } else if (window == "24h") {
    per_minute = true;
    count = 1440;
    t.step_s = 60;
  } else if (window.size() >= 2 && window.back() == 's' &&
             window.find_first_not_of("0123456789") == window.size() - 1) {
    count = std::stoi(window.substr(0, window.size() - 1));
    if (count < 1 || count > 900) throw ConfigError("window: 1s..900s, 15m or 24h");
  } else {
    throw ConfigError("window: 15m, 24h or Ns (N up to 900)");
  }
  int64_t current = per_minute ? now_ms / 60000 : now_ms / 1000;
  int64_t first = current - count + 1;
  t.start_s = per_minute ? first * 60 : first;
  auto slots = broker.CounterSeries(per_minute, first, count);
  for (const auto& slot : slots) {
    int64_t p = 0, f = 0, r = 0, d = 0;
    for (const auto& [field, n] : slot) {
      auto colon = field.find(':');
      if (colon == std::string::npos) continue;
      if (!queue.empty() && field.compare(colon + 1, std::string::npos, queue) != 0) continue;
      std::string_view kind(field.data(), colon);
      if (kind == "processed")
        p += n;
      else if (kind == "failed")
        f += n;
      else if (kind == "retried")
        r += n;
      else if (kind == "dead")
        d += n;
    }
    t.processed.push_back(p);
    t.failed.push_back(f);
    t.retried.push_back(r);
    t.dead.push_back(d);
  }
  return t;
}

nlohmann::json ToJson(const Throughput& t) {
  return {{"window", t.window},
          {"start", t.start_s},
          {"step_seconds", t.step_s},
          {"processed", t.processed},
          {"failed", t.failed},
          {"retried", t.retried},
          {"dead", t.dead}};
}

FleetScaling ComputeFleetScaling(const Overview& o, const std::vector<std::string>& queues,
                                 int live_workers, const ScalingPolicy& policy) {
  FleetScaling f;
  f.live_workers = live_workers;
  for (const auto& q : o.queues) {
    if (std::find(queues.begin(), queues.end(), q.queue) == queues.end()) continue;
    f.depth += q.ready;
    f.oldest_age_s = std::max(f.oldest_age_s, q.oldest_ready_age_s);
  }
  f.desired_replicas = DesiredCount(policy, {.depth = f.depth,
                                             .oldest_age_s = f.oldest_age_s,
                                             .current = live_workers,
                                             .now_ms = o.now_ms});
  return f;
}

nlohmann::json ToJson(const FleetScaling& f, const ScalingPolicy& policy) {
  return {{"ready", f.depth},
          {"oldest_ready_age_s", f.oldest_age_s},
          {"live_workers", f.live_workers},
          {"desired_replicas", f.desired_replicas},
          {"policy",
           {{"min", policy.min},
            {"max", policy.max},
            {"step", policy.step},
            {"high_water", policy.high_water},
            {"low_water", policy.low_water},
            {"max_age_s", policy.max_oldest_age_s}}}};
}

}  // namespace postwork::core
