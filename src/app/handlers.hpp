#pragma once
#include <string>

#include "core/handler_registry.hpp"

namespace postwork::app {

struct Config;

// What handlers may use: the servers (a handler opens its per-slot connection
// with pg::ThreadConnection(database_url)) and the whole configuration.
struct HandlerDeps {
  std::string database_url;
  std::string redis_url;
  const Config* config = nullptr;
};

// The composition root for handlers: every queue kind and what runs it.
core::HandlerRegistry BuildHandlers(const HandlerDeps& deps);

}  // namespace postwork::app
