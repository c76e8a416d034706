// The worker's maintenance loop: one timer per process renews every lease this
// process holds, takes back expired leases of dead workers, enforces execution
// timeouts, writes the heartbeat and fires cron ticks.
#include <optional>
#include <set>

#include "app/log.hpp"
#include "core/autoscaler.hpp"
#include "core/outcome.hpp"
#include "core/worker.hpp"
#include "pg/job_store.hpp"
#include "postwork/client.hpp"
#include "postwork/error.hpp"
#include "redis/broker.hpp"

namespace postwork::core {
namespace {
struct CronState {
  CronEntry entry;
  int64_t next_s;
};
}  // namespace

void Worker::MaintenanceLoop() {
  redis::Broker broker(redis::ParseRedisUrl(options_.redis_url));
  pg::JobStore store(options_.database_url);
  OutageTracker redis_outage("Redis (maintenance)", options_.id, /*quiet=*/true);
  // Renewals have their own: one shard down fails them while the rest of the
  // maintenance step goes on.
  OutageTracker renew_outage("Redis (lease renewals)", options_.id);
  std::unique_ptr<Client> client;
  std::vector<CronState> cron;
  // Catch up on a tick missed in the last hour (e.g. no worker ran at 00:15);
  // deterministic job ids make every tick run once however many workers fire it.
  // Only the latest missed tick is caught up, not every one in the window.
  int64_t now_s = clock_.NowMs() / 1000;
  for (const auto& e : options_.cron) {
    int64_t next = e.schedule.Next(now_s - 3600);
    while (next > 0) {
      int64_t after = e.schedule.Next(next);
      if (after <= 0 || after > now_s) break;
      next = after;
    }
    cron.push_back({e, next});
  }
  const int64_t renew_every = std::max(500, options_.lease_seconds * 1000 / 3);
  int64_t last_renew = 0, last_reclaim = 0, last_heartbeat = 0, last_cron = 0;
  std::vector<ReclaimedJob> unrecorded;  // reclaims PostgreSQL has not taken yet
  std::optional<Autoscaler> slot_scaler;
  if (options_.slot_scaling) slot_scaler.emplace(*options_.slot_scaling);
  int64_t last_scale = 0;

  while (!stop_) {
    int64_t now = clock_.NowMs();
    // Renewals first, on their own: a Redis that fails them (one shard down)
    // must not hold up the reclaims and heartbeats below.
    try {
      if (now - last_renew >= renew_every) {
        auto held = in_flight_.Leases();
        int64_t deadline = now + options_.lease_seconds * 1000LL;
        std::vector<std::string> queues;  // each lease's shard, when queues are sharded
        if (broker.shards().size() > 1) {
          for (const auto& [id, token] : held) {
            auto h = in_flight_.Find(id);
            queues.push_back(h ? h->job.queue : std::string());
          }
        }
        // A shard that is down keeps its leases' local deadlines: they are
        // renewed there once it answers again; the other shards' are renewed now.
        std::vector<std::string> not_renewed;
        auto lost = broker.Renew(held, deadline, queues, &not_renewed);
        for (const auto& id : lost) {
          auto h = in_flight_.Find(id);
          // An attempt that has already reported its outcome lost nothing: its
          // acknowledgement removed the lease after the renewal's snapshot was
          // taken (the outcome write is fenced by token anyway).
          if (h && h->ClaimReport()) {
            // Another worker owns the job now: stop ours, report nothing.
            h->cancel.Cancel();
            in_flight_.Remove(id, h->job.token);
            log::Warn("lease lost; abandoning the attempt",
                      {{"worker_id", options_.id}, {"job_id", id}});
          }
        }
        std::set<std::string> stale(not_renewed.begin(), not_renewed.end());
        for (const auto& [id, token] : held) {  // the lost ones are gone by now
          if (stale.count(id)) continue;
          auto h = in_flight_.Find(id);
          if (h && h->job.token == token) h->lease_deadline_ms = deadline;
        }
        last_renew = now;
        if (not_renewed.empty()) {
          renew_outage.Succeeded();
        } else {
          ++stats_.redis_errors;
          renew_outage.Failed(std::to_string(not_renewed.size()) +
                              " leases on a Redis shard that does not answer were not renewed");
        }
      }
    } catch (const UnavailableError& e) {
      ++stats_.redis_errors;
      renew_outage.Failed(e.what());
    } catch (const std::exception& e) {
      log::Error("renewing leases failed", {{"worker_id", options_.id}, {"error", e.what()}});
    }
    try {
      // Execution timeouts: fail the attempt now, ask the handler to stop.
      for (auto& h : in_flight_.All()) {
        if (!h->started || h->timeout_ms <= 0) continue;
        if (now - h->started_ms.load() < h->timeout_ms || !h->ClaimReport()) continue;
        h->cancel.Cancel();
        std::string error =
            "timeout: the job ran longer than " + std::to_string(h->timeout_ms / 1000) + " s";
        log::Warn(error, {{"worker_id", options_.id}, {"job_id", h->job.id}});
        completer_->Submit(DecideFinish(h->job, Outcome::Retry(error), options_.id,
                                        h->started_ms.load(), now, options_.retry, true));
      }
      if (now - last_reclaim >= options_.reclaim_interval_ms) {
        auto reclaimed =
            broker.Reclaim(now, 500, options_.terminal_ttl_seconds, options_.default_max_attempts);
        for (const auto& r : reclaimed) {
          ++stats_.reclaimed;
          stats_.metrics.Reclaimed(r);
          log::Warn(r.dead ? "reclaimed a job from a lost worker: out of attempts, dead-lettered"
                           : "reclaimed a job from a lost worker: queued again",
                    {{"worker_id", options_.id},
                     {"job_id", r.id},
                     {"lost_worker_id", r.old_worker_id},
                     {"attempt_count", std::to_string(r.attempt_count)}});
        }
        unrecorded.insert(unrecorded.end(), reclaimed.begin(), reclaimed.end());
        last_reclaim = now;
      }
      if (now - last_heartbeat >= options_.heartbeat_seconds * 1000LL) {
        broker.WriteHeartbeat(options_.id, HealthJson(), now, options_.heartbeat_seconds * 3);
        last_heartbeat = now;
      }
      // In-process autoscaling: active slots between --min-concurrency and
      // --max-concurrency by the queue-depth rules (one sample a second).
      if (slot_scaler && now - last_scale >= 1000) {
        last_scale = now;
        auto ready = broker.ReadyCounts(options_.queues);
        int64_t depth = 0;
        double oldest = 0;
        for (const auto& q : options_.queues) {
          depth += ready[q];
          if (int64_t at = broker.OldestReadyEnqueuedAt(q); at > 0) {
            oldest = std::max(oldest, static_cast<double>(now - at) / 1000.0);
          }
        }
        int current = executor_->active_slots();
        int want = slot_scaler->Desired(
            {.depth = depth, .oldest_age_s = oldest, .current = current, .now_ms = now});
        if (want != current) {
          executor_->SetActiveSlots(want);
          log::Info("scaling job slots", {{"worker_id", options_.id},
                                          {"from", std::to_string(current)},
                                          {"to", std::to_string(want)},
                                          {"ready", std::to_string(depth)}});
        }
      }
      redis_outage.Succeeded();
    } catch (const UnavailableError& e) {
      ++stats_.redis_errors;
      redis_outage.Failed(e.what());
    } catch (const std::exception& e) {
      log::Error("maintenance step failed", {{"worker_id", options_.id}, {"error", e.what()}});
    }
    try {
      if (!unrecorded.empty()) {
        auto applied_ids = store.ApplyReclaims(unrecorded);
        std::set<std::string> applied(applied_ids.begin(), applied_ids.end());
        std::vector<std::string> others;
        for (const auto& r : unrecorded) {
          if (!applied.count(r.id)) others.push_back(r.id);
        }
        // Not applied: PostgreSQL recorded an outcome after that lease (the
        // worker died between its PostgreSQL commit and its Redis
        // acknowledgement), or a newer lease runs the job. A finished job is
        // settled in Redis instead of running again or being dead-lettered.
        auto pg_states = store.Statuses(others);
        for (const auto& r : unrecorded) {
          auto it = pg_states.find(r.id);
          if (applied.count(r.id) || it == pg_states.end()) continue;
          const std::string& status = it->second.first;
          if (status != "completed" && status != "failed" && status != "cancelled") continue;
          broker.SettleFinished(r.id, r.queue, status, now, options_.terminal_ttl_seconds);
          log::Info("a reclaimed job had already finished: Redis takes the PostgreSQL state",
                    {{"worker_id", options_.id}, {"job_id", r.id}, {"status", status}});
        }
        std::vector<DeadLetter> dead;
        for (const auto& r : unrecorded) {
          if (!r.dead || !applied.count(r.id)) continue;
          dead.push_back(
              {.id = r.id,
               .queue = r.queue,
               .error = "lease expired: worker " + r.old_worker_id + " stopped reporting",
               .attempt_count = r.attempt_count,
               .token = r.old_token});
        }
        unrecorded.clear();
        NotifyDeadLetters(handlers_.dead_letter_listener(), dead, options_.id);
      }
      if (!cron.empty() && now - last_cron >= 1000) {
        if (!client) {
          client = std::make_unique<Client>(
              ClientOptions{.redis_url = options_.redis_url,
                            .database_url = options_.database_url,
                            .default_max_attempts = options_.default_max_attempts,
                            .max_attempts_by_queue = options_.max_attempts_by_queue});
        }
        for (auto& c : cron) {
          while (c.next_s > 0 && c.next_s * 1000 <= now) {
            std::string id = "cron:" + c.entry.name + ":" + std::to_string(c.next_s);
            auto r = client->Enqueue(c.entry.queue, c.entry.payload, {.id = id});
            if (r.created) {
              log::Info("cron tick enqueued",
                        {{"worker_id", options_.id}, {"job_id", id}, {"cron", c.entry.name}});
            }
            c.next_s = c.entry.schedule.Next(c.next_s);
          }
        }
        last_cron = now;
      }
    } catch (const std::exception& e) {
      ++stats_.pg_errors;
      log::Debug("maintenance (PostgreSQL) will retry",
                 {{"worker_id", options_.id}, {"error", e.what()}});
    }
    std::unique_lock lock(stop_mu_);
    stop_cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stop_.load(); });
  }
}

}  // namespace postwork::core
