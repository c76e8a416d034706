#include "app/handlers.hpp"

#include "handlers/diagnostic/diagnostic_handler.hpp"

namespace postwork::app {

core::HandlerRegistry BuildHandlers(const HandlerDeps& deps) {
  core::HandlerRegistry registry;
  registry.Register("diagnostic", handlers::DiagnosticHandler(deps.database_url));
  return registry;
}

}  // namespace postwork::app
