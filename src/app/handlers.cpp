#include "app/handlers.hpp"

#include <algorithm>
#include <cstdlib>

#include "app/config.hpp"
#include "handlers/bounce/bounce_handler.hpp"
#include "handlers/diagnostic/diagnostic_handler.hpp"
#include "handlers/email_processing/email_processing_handler.hpp"
#include "handlers/email_sending/email_sending_handler.hpp"
#include "handlers/warmup/planner.hpp"
#include "handlers/warmup/warmup_handler.hpp"

namespace postwork::app {

core::HandlerRegistry BuildHandlers(const HandlerDeps& deps) {
  core::HandlerRegistry registry;
  registry.Register("diagnostic", handlers::DiagnosticHandler(deps.database_url));
  handlers::email::EmailSettings email = deps.config ? deps.config->email : handlers::email::EmailSettings{};
  registry.Register("email:processing",
                    handlers::email::EmailProcessingHandler(
                        {.database_url = deps.database_url, .redis_url = deps.redis_url, .settings = email}));
  registry.Register("email-sending",
                    handlers::email::EmailSendingHandler(
                        {.database_url = deps.database_url, .redis_url = deps.redis_url, .settings = email}));
  // Pausing an account's warmup (bounce of a warmup email) publishes through this hook:
  // to be set to the webhook event publisher (`warmup.paused`) when that lands.
  handlers::warmup::WarmupPausedHook on_warmup_paused{};
  registry.Register("bounce", handlers::email::BounceHandler({.database_url = deps.database_url,
                                                              .redis_url = deps.redis_url,
                                                              .settings = email,
                                                              .on_warmup_paused = on_warmup_paused}));
  registry.Register("warmup", handlers::warmup::WarmupHandler({.database_url = deps.database_url,
                                                              .redis_url = deps.redis_url,
                                                              .settings = email,
                                                              .on_paused = on_warmup_paused}));
  return registry;
}

void AddBuiltinCron(std::vector<core::CronEntry>& cron) {
  std::string schedule = "10 0 * * *";
  if (const char* env = std::getenv("POSTWORK_WARMUP_PLANNER_CRON"); env && *env) schedule = env;
  bool configured = std::any_of(cron.begin(), cron.end(),
                                [](const core::CronEntry& e) { return e.name == "warmup-planner"; });
  if (schedule == "off" || configured) return;
  cron.push_back({.name = "warmup-planner",
                  .schedule = core::CronSchedule::Parse(schedule),
                  .queue = handlers::warmup::kWarmupQueue,
                  .payload = {{"plan", true}}});
}

}  // namespace postwork::app
