#include "core/handler_registry.hpp"

#include <array>

namespace postwork::core {

std::string SeedKindOf(const std::string& queue) {
  static constexpr std::array<const char*, 7> kKinds = {
      "email:processing", "email-sending", "warmup", "bounce", "analytics", "webhook",
      "diagnostic"};
  for (const char* kind : kKinds) {
    if (queue.find(kind) != std::string::npos) return kind;
  }
  return "";
}

void HandlerRegistry::Register(const std::string& kind_or_queue, Handler handler) {
  handlers_[kind_or_queue] = std::move(handler);
}

const Handler* HandlerRegistry::Find(const std::string& queue) const {
  if (auto it = handlers_.find(queue); it != handlers_.end()) return &it->second;
  if (auto it = handlers_.find(SeedKindOf(queue)); it != handlers_.end()) return &it->second;
  return nullptr;
}

}  // namespace postwork::core
