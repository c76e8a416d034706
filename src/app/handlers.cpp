#include "app/handlers.hpp"

#include <algorithm>
#include <cstdlib>

#include "app/config.hpp"
#include "handlers/analytics/daily_aggregate_handler.hpp"
#include "handlers/bounce/bounce_handler.hpp"
#include "handlers/diagnostic/diagnostic_handler.hpp"
#include "handlers/email_processing/email_processing_handler.hpp"
#include "handlers/email_sending/email_sending_handler.hpp"
#include "handlers/warmup/planner.hpp"
#include "handlers/warmup/warmup_handler.hpp"
#include "handlers/webhook/job_dead_events.hpp"
#include "handlers/webhook/webhook_handler.hpp"

namespace postwork::app {

std::shared_ptr<const handlers::webhook::EventPublisher> BuildEventPublisher(const HandlerDeps& deps) {
  return std::make_shared<const handlers::webhook::EventPublisher>(handlers::webhook::PublisherOptions{
      .database_url = deps.database_url,
      .redis_url = deps.redis_url,
      .settings = deps.config ? deps.config->webhook : handlers::webhook::WebhookSettings{}});
}

core::HandlerRegistry BuildHandlers(const HandlerDeps& deps) {
  core::HandlerRegistry registry;
  registry.Register("diagnostic", handlers::DiagnosticHandler(deps.database_url));
  handlers::email::EmailSettings email = deps.config ? deps.config->email : handlers::email::EmailSettings{};
  auto events = BuildEventPublisher(deps);
  registry.Register("email:processing",
                    handlers::email::EmailProcessingHandler({.database_url = deps.database_url,
                                                             .redis_url = deps.redis_url,
                                                             .settings = email,
                                                             .events = events}));
  registry.Register("email-sending",
                    handlers::email::EmailSendingHandler({.database_url = deps.database_url,
                                                          .redis_url = deps.redis_url,
                                                          .settings = email,
                                                          .events = events}));
  // Pausing an account's warmup (a bounce of a warmup email) publishes
  // `warmup.paused`; the event id names the account and the bounced message, so
  // a retried bounce job publishes the same event.
  handlers::warmup::WarmupPausedHook on_warmup_paused =
      [events](pg::Connection&, const handlers::warmup::WarmupPaused& e) {
        events->Publish(e.tenant_id, handlers::webhook::kWarmupPaused,
                        {{"email_account_id", e.account_id},
                         {"reason", e.reason},
                         {"message_id", e.message_id},
                         {"job_id", e.job_id}},
                        handlers::webhook::EventId(handlers::webhook::kWarmupPaused, e.tenant_id,
                                                   e.account_id + "\n" + e.message_id));
      };
  registry.Register("bounce", handlers::email::BounceHandler({.database_url = deps.database_url,
                                                              .redis_url = deps.redis_url,
                                                              .settings = email,
                                                              .on_warmup_paused = on_warmup_paused,
                                                              .events = events}));
  registry.Register("warmup", handlers::warmup::WarmupHandler({.database_url = deps.database_url,
                                                              .redis_url = deps.redis_url,
                                                              .settings = email,
                                                              .on_paused = on_warmup_paused}));
  registry.Register("webhook", handlers::webhook::WebhookHandler(
                                   {.database_url = deps.database_url,
                                    .keys = email,
                                    .settings = events->options().settings,
                                    .events = events}));
  registry.Register("analytics", handlers::analytics::DailyAggregateHandler({.database_url = deps.database_url}));
  registry.OnDeadLetter(handlers::webhook::JobDeadPublisher(events));
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
