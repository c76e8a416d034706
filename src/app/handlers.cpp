#include "app/handlers.hpp"

#include "app/config.hpp"
#include "handlers/analytics/daily_aggregate_handler.hpp"
#include "handlers/bounce/bounce_handler.hpp"
#include "handlers/diagnostic/diagnostic_handler.hpp"
#include "handlers/email_processing/email_processing_handler.hpp"
#include "handlers/email_sending/email_sending_handler.hpp"
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
  registry.Register("bounce", handlers::email::BounceHandler({.database_url = deps.database_url,
                                                              .redis_url = deps.redis_url,
                                                              .settings = email,
                                                              .events = events}));
  registry.Register("webhook", handlers::webhook::WebhookHandler(
                                   {.database_url = deps.database_url,
                                    .keys = email,
                                    .settings = events->options().settings,
                                    .events = events}));
  registry.Register("analytics", handlers::analytics::DailyAggregateHandler({.database_url = deps.database_url}));
  registry.OnDeadLetter(handlers::webhook::JobDeadPublisher(events));
  return registry;
}

}  // namespace postwork::app
