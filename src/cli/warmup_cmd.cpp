// `postwork warmup plan|status`: run the daily warmup planner for a date (the
// same code as the warmup-planner cron tick), and show each account's figures.
#include <iomanip>
#include <iostream>

#include "cli/context.hpp"
#include "core/clock.hpp"
#include "handlers/warmup/planner.hpp"
#include "handlers/warmup/ramp.hpp"
#include "postwork/error.hpp"

namespace postwork::cli {
namespace {
constexpr const char* kStatus = R"SQL(
SELECT tenant_id, email_account_id, email, enabled, coalesce(paused_at::text, ''),
       coalesce(paused_reason, ''), sent, received, inbox, spam, replies, rescued, bounced,
       coalesce(inbox_placement_rate::text, '')
FROM warmup_account_stats WHERE ($1 = '' OR tenant_id = $1) ORDER BY tenant_id, email)SQL";

void AddPlan(CLI::App& warmup, Context& ctx, int& exit_code) {
  struct Flags {
    std::string date, tenant;
    int spread_seconds = 0;
  };
  auto flags = std::make_shared<Flags>();
  auto* plan = warmup.add_subcommand("plan", "Create the day's warmup jobs (idempotent)");
  plan->add_option("--date", flags->date, "YYYY-MM-DD (default: today, UTC)");
  plan->add_option("--tenant", flags->tenant, "Only this tenant's accounts");
  plan->add_option("--spread-seconds", flags->spread_seconds,
                   "Run the day's jobs within this many seconds from now instead of over the "
                   "window (demos, trials)")
      ->check(CLI::Range(1, 86400));
  plan->add_flag("--json", ctx.json, "Machine-readable output");
  plan->callback([&ctx, &exit_code, flags] {
    int64_t now_ms = core::SystemClock::Instance().NowMs();
    auto date = std::chrono::floor<std::chrono::days>(
        std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(now_ms)));
    if (!flags->date.empty()) {
      try {
        date = handlers::warmup::ParseDate(flags->date);
      } catch (const std::invalid_argument& e) {
        throw ConfigError(std::string("warmup plan --date: ") + e.what());
      }
    }
    auto cfg = ctx.Load();
    app::RequireRedis(cfg);
    app::RequireDatabase(cfg);
    pg::Connection conn(cfg.database_url);
    Client client(ClientOptions{.redis_url = cfg.redis_url,
                                .database_url = cfg.database_url,
                                .max_attempts_by_queue = cfg.worker.max_attempts_by_queue});
    auto s = handlers::warmup::PlanWarmupDay(
        conn, client, {.date = date,
                         .tenant_id = flags->tenant,
                         .now_ms = now_ms,
                         .spread_seconds = flags->spread_seconds});
    std::string day = handlers::warmup::FormatDate(date);
    if (ctx.json) {
      std::cout << nlohmann::json{{"date", day},
                                  {"accounts", s.accounts},
                                  {"jobs_planned", s.jobs_planned},
                                  {"jobs_created", s.jobs_created},
                                  {"outbound", s.outbound}}
                       .dump()
                << "\n";
    } else {
      std::cout << "planned " << day << ": " << s.accounts << " accounts, " << s.outbound
                << " outbound sends, " << s.jobs_planned << " jobs (" << s.jobs_created
                << " new)\n";
    }
    exit_code = 0;
  });
}

void AddStatus(CLI::App& warmup, Context& ctx, int& exit_code) {
  auto tenant = std::make_shared<std::string>();
  auto* status = warmup.add_subcommand("status", "Per-account warmup figures");
  status->add_option("--tenant", *tenant, "Only this tenant");
  status->add_flag("--json", ctx.json, "Machine-readable output");
  status->callback([&ctx, &exit_code, tenant] {
    auto cfg = ctx.Load();
    app::RequireDatabase(cfg);
    pg::Connection conn(cfg.database_url);
    auto r = conn.Exec(kStatus, {*tenant});
    nlohmann::json rows = nlohmann::json::array();
    for (int i = 0; i < r.rows(); ++i) {
      std::string rate = r.Get(i, 13);
      rows.push_back(
          {{"tenant_id", r.Get(i, 0)},
           {"email_account_id", r.Get(i, 1)},
           {"email", r.Get(i, 2)},
           {"enabled", r.Get(i, 3) == "t"},
           {"paused_at", r.Get(i, 4).empty() ? nlohmann::json() : nlohmann::json(r.Get(i, 4))},
           {"paused_reason", r.Get(i, 5)},
           {"sent", r.GetInt(i, 6)},
           {"received", r.GetInt(i, 7)},
           {"inbox", r.GetInt(i, 8)},
           {"spam", r.GetInt(i, 9)},
           {"replies", r.GetInt(i, 10)},
           {"rescued", r.GetInt(i, 11)},
           {"bounced", r.GetInt(i, 12)},
           {"inbox_placement_rate",
            rate.empty() ? nlohmann::json() : nlohmann::json(std::stod(rate))}});
    }
    if (ctx.json) {
      std::cout << rows.dump(2) << "\n";
    } else {
      for (const auto& row : rows) {
        std::string state = !row["enabled"].get<bool>() ? "disabled"
                            : row["paused_at"].is_null()
                                ? "active"
                                : "paused (" + row["paused_reason"].get<std::string>() + ")";
        std::string rate = row["inbox_placement_rate"].is_null()
                               ? "-"
                               : std::to_string(static_cast<int>(
                                     row["inbox_placement_rate"].get<double>() * 100 + 0.5)) +
                                     "%";
        std::cout << row["tenant_id"].get<std::string>() << "  " << row["email"].get<std::string>()
                  << "  sent=" << row["sent"] << " received=" << row["received"]
                  << " inbox=" << row["inbox"] << " spam=" << row["spam"]
                  << " replies=" << row["replies"] << " placement=" << rate << "  " << state
                  << "\n";
      }
      if (rows.empty()) std::cout << "no warmup accounts\n";
    }
    exit_code = 0;
  });
}
}  // namespace

void AddWarmup(CLI::App& app, Context& ctx, int& exit_code) {
  auto* warmup = app.add_subcommand("warmup", "Mailbox warmup: plan a day, show figures");
  warmup->require_subcommand(1);
  AddPlan(*warmup, ctx, exit_code);
  AddStatus(*warmup, ctx, exit_code);
}

}  // namespace postwork::cli
