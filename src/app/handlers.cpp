#include "app/handlers.hpp"

#include "handlers/diagnostic/diagnostic_handler.hpp"

namespace postwork::app {

core::HandlerRegistry BuildHandlers(const HandlerDeps&) {
  core::HandlerRegistry registry;
  registry.Register("diagnostic", handlers::RunDiagnostic);
  return registry;
}

}  // namespace postwork::app
