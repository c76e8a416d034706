#pragma once
#include <map>
#include <memory>
#include <string>

#include "pg/connection.hpp"

namespace postwork::pg {
// One connection per (thread, database URL): handlers run on the worker's job
// slots and each slot keeps its own connection open across jobs.
inline Connection& ThreadConnection(const std::string& url) {
  thread_local std::map<std::string, std::unique_ptr<Connection>> connections;
  auto& c = connections[url];
  if (!c) c = std::make_unique<Connection>(url);
  return *c;
}
}  // namespace postwork::pg
