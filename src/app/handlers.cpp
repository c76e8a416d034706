#include "app/handlers.hpp"

#include "app/config.hpp"
#include "handlers/bounce/bounce_handler.hpp"
#include "handlers/diagnostic/diagnostic_handler.hpp"
#include "handlers/email_processing/email_processing_handler.hpp"
#include "handlers/email_sending/email_sending_handler.hpp"

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
  registry.Register("bounce", handlers::email::BounceHandler(
                                  {.database_url = deps.database_url, .redis_url = deps.redis_url, .settings = email}));
  return registry;
}

}  // namespace postwork::app
