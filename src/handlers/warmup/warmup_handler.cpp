#include "handlers/warmup/warmup_handler.hpp"

#include "handlers/email_common/job_fields.hpp"
#include "handlers/warmup/planner.hpp"
#include "handlers/warmup/warmup_actions.hpp"
#include "pg/thread_connection.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers::warmup {
namespace {

// {"plan": true}: the planner's cron tick (no tenant: every tenant) or an
// on-demand run for one tenant. Checked before the type, which it has none of.
Outcome Plan(const WarmupHandlerDeps& deps, JobContext& ctx) {
  int64_t now_ms = deps.clock->NowMs();
  std::chrono::sys_days date = std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(now_ms)));
  if (auto text = email::OptionalString(ctx.payload, "date")) {
    try {
      date = ParseDate(*text);
    } catch (const std::invalid_argument& e) {
      throw PermanentError(std::string("payload field \"date\": ") + e.what());
    }
  }
  std::string tenant = ctx.tenant_id.empty()
                           ? email::OptionalId(ctx.payload, "tenant_id").value_or("")
                           : email::JobTenant(ctx);
  Client client(ClientOptions{.redis_url = deps.redis_url, .database_url = deps.database_url});
  PlanSummary s = PlanWarmupDay(pg::ThreadConnection(deps.database_url), client,
                                {.date = date, .tenant_id = tenant, .now_ms = now_ms});
  return Outcome::Completed({{"success", true},
                             {"type", "plan"},
                             {"date", FormatDate(date)},
                             {"accounts", s.accounts},
                             {"jobsPlanned", s.jobs_planned},
                             {"jobsCreated", s.jobs_created},
                             {"outbound", s.outbound}});
}

int SequenceStep(const nlohmann::json& payload) {
  auto it = payload.find("sequence_step");
  if (it == payload.end() || it->is_null()) return 1;
  if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 100000) {
    throw PermanentError("payload field \"sequence_step\" must be an integer from 0 to 100000");
  }
  return it->get<int>();
}

Outcome Run(const WarmupHandlerDeps& deps, JobContext& ctx) {
  if (!ctx.payload.is_object()) throw PermanentError("payload must be a JSON object");
  if (ctx.payload.value("plan", false) == true) return Plan(deps, ctx);

  // The seed's order: read the config, then dispatch on the type.
  std::string type = email::OptionalString(ctx.payload, "warmup_type").value_or("");
  using Action =
      Outcome (*)(const WarmupHandlerDeps&, JobContext&, pg::Connection&, const WarmupJob&);
  Action action = type == "outbound"     ? &RunOutbound
                  : type == "inbound"    ? &RunInbound
                  : type == "engagement" ? &RunEngagement
                                         : nullptr;
  if (!action) throw PermanentError("Unknown warmup type: " + type);
  std::string tenant = email::JobTenant(ctx);
  std::string account_id = email::RequiredId(ctx.payload, "email_account_id");
  auto& conn = pg::ThreadConnection(deps.database_url);
  auto config = LoadWarmupConfig(conn, tenant, account_id);
  if (!config || !config->enabled) {
    throw PermanentError("email account " + account_id + " has no enabled warmup configuration " +
                         "(warmup_configs) for this tenant");
  }
  if (config->paused_at) {
    return Outcome::Completed({{"success", true},
                               {"type", type},
                               {"skipped", true},
                               {"reason", "warmup paused: " + config->paused_reason}});
  }
  auto account = email::LoadAccount(conn, tenant, account_id);
  if (!account) throw PermanentError("email account " + account_id + " not found for this tenant");
  if (account->status == "disabled") {
    throw PermanentError("email account " + account_id + " is disabled");
  }
  return action(deps, ctx, conn,
                {.tenant_id = tenant,
                 .config = std::move(*config),
                 .account = std::move(*account),
                 .sequence_step = SequenceStep(ctx.payload)});
}
}  // namespace

Handler WarmupHandler(WarmupHandlerDeps deps) {
  return [deps = std::move(deps)](JobContext& ctx) { return Run(deps, ctx); };
}

}  // namespace postwork::handlers::warmup
