#include "app/handlers.hpp"

#include "handlers/diagnostic/diagnostic_handler.hpp"

namespace postwork::app {

core::HandlerRegistry BuildHandlers() {
  core::HandlerRegistry registry;
  registry.Register("diagnostic", handlers::RunDiagnostic);
  return registry;
}

}  // namespace postwork::app
