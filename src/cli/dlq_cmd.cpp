#include <iostream>

#include "cli/context.hpp"
#include "cli/progress.hpp"
#include "core/clock.hpp"
#include "core/job_admin.hpp"
#include "core/queues.hpp"
#include "pg/job_store.hpp"
#include "postwork/error.hpp"
#include "redis/broker.hpp"

namespace postwork::cli {
namespace {
// "7d", "12h", "30m", "45s" -> a PostgreSQL interval.
std::string ParseDuration(const std::string& text) {
  if (text.size() < 2) throw ConfigError("--older-than: '" + text + "' (use e.g. 7d, 12h, 30m)");
  std::string num = text.substr(0, text.size() - 1);
  if (num.find_first_not_of("0123456789") != std::string::npos) {
    throw ConfigError("--older-than: '" + text + "' (use e.g. 7d, 12h, 30m)");
  }
  switch (text.back()) {
    case 'd': return num + " days";
    case 'h': return num + " hours";
    case 'm': return num + " minutes";
    case 's': return num + " seconds";
    default: throw ConfigError("--older-than: unknown unit in '" + text + "' (d, h, m or s)");
  }
}
}  // namespace

void AddDlq(CLI::App& app, Context& ctx, int& exit_code) {
  auto* dlq = app.add_subcommand("dlq", "Dead letters: list, retry, purge");
  dlq->require_subcommand(1);
  auto queue = std::make_shared<std::string>();
  auto older = std::make_shared<std::string>();
  auto ids = std::make_shared<std::vector<std::string>>();
  auto all = std::make_shared<bool>(false);
  auto limit = std::make_shared<int>(100);

  auto* list = dlq->add_subcommand("list", "List dead-lettered jobs");
  list->add_option("--queue", *queue, "Only this queue");
  list->add_option("--limit", *limit, "At most this many")->check(CLI::Range(1, 100000));
  list->add_flag("--json", ctx.json, "Machine-readable output");
  list->callback([&ctx, &exit_code, queue, limit] {
    auto cfg = ctx.Load();
    app::RequireDatabase(cfg);
    pg::JobStore store(cfg.database_url);
    auto jobs = store.List({.queue = queue->empty() ? "" : core::NormalizeQueueName(*queue),
                            .status = "failed",
                            .limit = *limit});
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& j : jobs) {
        out.push_back({{"id", j.id}, {"queue", j.queue}, {"attempt_count", j.attempt_count},
                       {"max_attempts", j.max_attempts}, {"last_error", j.last_error},
                       {"failed_at", j.completed_at}, {"payload", j.payload},
                       {"tenant_id", j.tenant_id}});
      }
      std::cout << out.dump(2) << "\n";
    } else {
      for (const auto& j : jobs) {
        std::cout << j.id << "  " << j.queue << "  attempts=" << j.attempt_count << "/"
                  << j.max_attempts << "  " << j.completed_at << "  " << j.last_error << "\n";
      }
      std::cout << jobs.size() << " dead job(s)\n";
    }
    exit_code = 0;
  });

  auto* retry = dlq->add_subcommand("retry", "Requeue dead jobs with a fresh attempt budget");
  retry->add_option("ids", *ids, "Job ids");
  retry->add_flag("--all", *all, "Every dead job (of --queue, if given)");
  retry->add_option("--queue", *queue, "With --all: only this queue");
  retry->callback([&ctx, &exit_code, ids, all, queue] {
    if (ids->empty() == !*all) throw ConfigError("dlq retry: give job ids or --all");
    auto cfg = ctx.Load();
    app::RequireRedis(cfg);
    app::RequireDatabase(cfg);
    pg::JobStore store(cfg.database_url);
    redis::Broker broker(redis::ParseRedisUrl(cfg.redis_url));
    Progress progress("dlq retry", 0);
    auto requeued = core::RetryDeadJobs(
        store, broker, *ids, queue->empty() ? "" : core::NormalizeQueueName(*queue), *all,
        core::SystemClock::Instance().NowMs(),
        [&progress](size_t done, size_t total) { progress.Update(done, total); });
    progress.Finish();
    std::cout << "requeued " << requeued.size() << " job(s)\n";
    if (!*all && requeued.size() != ids->size()) {
      std::cerr << "postwork: " << (ids->size() - requeued.size())
                << " id(s) were not dead letters and were left alone\n";
      exit_code = 1;
      return;
    }
    exit_code = 0;
  });

  auto* purge = dlq->add_subcommand("purge", "Delete dead jobs for good");
  purge->add_option("--queue", *queue, "Only this queue");
  purge->add_option("--older-than", *older, "Only those dead for longer than this (7d, 12h, 30m)");
  purge->callback([&ctx, &exit_code, queue, older] {
    auto cfg = ctx.Load();
    app::RequireRedis(cfg);
    app::RequireDatabase(cfg);
    pg::JobStore store(cfg.database_url);
    redis::Broker broker(redis::ParseRedisUrl(cfg.redis_url));
    auto purged = store.PurgeDead(queue->empty() ? "" : core::NormalizeQueueName(*queue),
                                  older->empty() ? "" : ParseDuration(*older));
    for (const auto& id : purged) broker.ForgetJob(id);
    std::cout << "purged " << purged.size() << " dead job(s)\n";
    exit_code = 0;
  });
}

}  // namespace postwork::cli
