#pragma once
#include <map>
#include <memory>
#include <string>

#include "postwork/client.hpp"

namespace postwork::core {
// One producer per (thread, servers): handlers and the event publisher enqueue
// follow-up jobs from job slots, HTTP threads and the completer, and a Client
// is not thread-safe.
inline Client& ThreadClient(const std::string& redis_url, const std::string& database_url) {
  thread_local std::map<std::string, std::unique_ptr<Client>> clients;
  auto& c = clients[redis_url + "|" + database_url];
  if (!c) c = std::make_unique<Client>(ClientOptions{.redis_url = redis_url, .database_url = database_url});
  return *c;
}
}  // namespace postwork::core
