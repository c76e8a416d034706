#pragma once
#include "core/handler_registry.hpp"

namespace postwork::app {
// The composition root for handlers: every queue kind and what runs it.
core::HandlerRegistry BuildHandlers();
}  // namespace postwork::app
