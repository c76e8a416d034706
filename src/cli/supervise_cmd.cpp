// `postwork supervise`: runs and scales worker processes on one machine by the
// seed's monitorScaling rules, restarts a crashed one with backoff, and passes
// SIGTERM on for a graceful stop of all.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "app/log.hpp"
#include "cli/context.hpp"
#include "cli/signals.hpp"
#include "core/autoscaler.hpp"
#include "core/clock.hpp"
#include "core/queues.hpp"
#include "devenv/process.hpp"
#include "redis/broker.hpp"

namespace postwork::cli {
namespace {

struct Child {
  devenv::ChildProcess process;
  bool retiring = false;  // sent SIGTERM by a scale-down
};

std::string SelfPath() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "postwork";
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

void AddSupervise(CLI::App& app, Context& ctx, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "supervise", "Run and autoscale worker processes on this machine (queue-depth rules)");
  struct Flags {
    core::ScalingPolicy policy;
    double cooldown_s = 30, interval_s = 2;
    std::string queues;
    std::vector<std::string> worker_args;
  };
  auto f = std::make_shared<Flags>();
  auto* min_opt = cmd->add_option("--min", f->policy.min, "Fewest worker processes (1)");
  auto* max_opt = cmd->add_option("--max", f->policy.max, "Most worker processes (4)");
  auto* high_opt =
      cmd->add_option("--high-water", f->policy.high_water, "Ready jobs above which to add one (1000)");
  auto* low_opt =
      cmd->add_option("--low-water", f->policy.low_water, "Ready jobs below which to retire one (10)");
  auto* age_opt = cmd->add_option("--max-age", f->policy.max_oldest_age_s,
                                  "Oldest ready job age (s) above which to add one (60)");
  auto* cooldown_opt = cmd->add_option("--cooldown", f->cooldown_s, "Seconds between two changes (30)")
                           ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--interval", f->interval_s, "Seconds between measurements (2)")
      ->check(CLI::Range(0.05, 3600.0));
  cmd->add_option("--queues", f->queues, "Queues the workers take (default: every seed queue)");
  cmd->add_option("worker-args", f->worker_args, "Flags passed to each worker, after --");
  cmd->callback([&ctx, &exit_code, f, min_opt, max_opt, high_opt, low_opt, age_opt,
                 cooldown_opt] {
    auto cfg = ctx.Load();
    app::RequireRedis(cfg);
    app::RequireDatabase(cfg);
    // [scaling] in the config file gives the defaults; flags override it.
    core::ScalingPolicy given = f->policy;
    f->policy = cfg.scaling;
    if (min_opt->count()) f->policy.min = given.min;
    if (max_opt->count()) f->policy.max = given.max;
    if (high_opt->count()) f->policy.high_water = given.high_water;
    if (low_opt->count()) f->policy.low_water = given.low_water;
    if (age_opt->count()) f->policy.max_oldest_age_s = given.max_oldest_age_s;
    if (cooldown_opt->count()) f->policy.cooldown_ms = static_cast<int64_t>(f->cooldown_s * 1000);
    f->policy.Validate();
    auto queues = f->queues.empty() ? core::DefaultQueues() : core::ParseQueueList(f->queues);
    core::Autoscaler scaler(f->policy);
    redis::Broker broker(redis::ParseRedisUrl(cfg.redis_url));
    std::vector<std::string> argv = {SelfPath(), "worker", "--queues", Join(queues)};
    argv.insert(argv.end(), f->worker_args.begin(), f->worker_args.end());
    std::vector<std::string> env = {"POSTWORK_REDIS_URL=" + cfg.redis_url,
                                    "POSTWORK_DATABASE_URL=" + cfg.database_url};
    std::atomic<bool> stop{false};
    SignalWatcher signals([&stop](int) { stop = true; });
    std::vector<Child> children;
    int crashes = 0;
    int64_t restart_not_before = 0;
    const auto& clock = core::SystemClock::Instance();
    auto spawn = [&] {
      children.push_back({devenv::ChildProcess(devenv::SpawnOptions{
          .argv = argv, .env = env, .new_process_group = true,
          .parent_death_signal = SIGTERM})});
    };
    int desired = f->policy.min;
    log::Info("supervisor started", {{"min", std::to_string(f->policy.min)},
                                     {"max", std::to_string(f->policy.max)},
                                     {"queues", Join(queues)}});
    while (!stop) {
      int64_t now = clock.NowMs();
      // Reap: a retiring worker that exited is gone; any other exit is a crash.
      for (auto it = children.begin(); it != children.end();) {
        if (it->process.Running()) {
          ++it;
          continue;
        }
        if (!it->retiring) {
          ++crashes;
          // 1 s, 2 s, 4 s ... 30 s between restarts while they keep crashing.
          int64_t backoff = std::min<int64_t>(30000, 1000LL << std::min(crashes - 1, 5));
          restart_not_before = now + backoff;
          log::Warn("a worker process exited unexpectedly; restarting with backoff",
                    {{"pid", std::to_string(it->process.pid())},
                     {"backoff_ms", std::to_string(backoff)}});
        }
        it->process.Release();
        it = children.erase(it);
      }
      int active = 0;
      for (const auto& c : children) active += c.retiring ? 0 : 1;
      try {
        auto ready = broker.ReadyCounts(queues);
        int64_t depth = 0;
        double oldest = 0;
        for (const auto& q : queues) {
          depth += ready[q];
          if (int64_t at = broker.OldestReadyEnqueuedAt(q); at > 0) {
            oldest = std::max(oldest, static_cast<double>(now - at) / 1000.0);
          }
        }
        int want = scaler.Desired({.depth = depth, .oldest_age_s = oldest,
                                   .current = desired, .now_ms = now});
        if (want != desired) {
          log::Info("scaling workers", {{"from", std::to_string(desired)},
                                        {"to", std::to_string(want)},
                                        {"ready", std::to_string(depth)}});
          desired = want;
        }
      } catch (const std::exception& e) {
        log::Warn("cannot read queue depths; keeping the current size", {{"error", e.what()}});
      }
      if (active < desired && now >= restart_not_before) {
        while (active < desired) {
          spawn();
          ++active;
        }
      } else if (active > desired) {
        for (auto it = children.rbegin(); it != children.rend() && active > desired; ++it) {
          if (it->retiring) continue;
          it->retiring = true;  // the newest goes first, gracefully
          it->process.Signal(SIGTERM);
          --active;
        }
      }
      if (active > 0 && crashes > 0 && now >= restart_not_before + 60000) crashes = 0;
      for (int i = 0; i < 20 && !stop; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(
            static_cast<int64_t>(f->interval_s * 1000 / 20)));
      }
    }
    log::Info("supervisor stopping: SIGTERM to every worker",
              {{"workers", std::to_string(children.size())}});
    for (auto& c : children) c.process.Signal(SIGTERM);
    int failures = 0;
    for (auto& c : children) {
      auto code = c.process.Wait(std::chrono::seconds(cfg.worker.shutdown_timeout_seconds + 30));
      if (!code) {
        c.process.Stop(std::chrono::seconds(1), SIGKILL);
        ++failures;
      } else if (*code != 0) {
        ++failures;
      }
    }
    exit_code = failures == 0 ? 0 : 1;
  });
}

}  // namespace postwork::cli
