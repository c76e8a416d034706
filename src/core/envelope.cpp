#include "core/envelope.hpp"

#include <algorithm>
#include <exception>
#include <string>

#include "core/json_parse.hpp"

namespace postwork::core {
namespace {
int64_t ToInt(std::string_view text, int64_t fallback) {
  if (text.empty()) return fallback;
  try {
    std::string s(text);
    size_t used = 0;
    long long v = std::stoll(s, &used);
    return used == s.size() ? v : fallback;
  } catch (const std::exception&) {
    return fallback;
  }
}

std::string TenantOf(const nlohmann::json& env) {
  for (const auto* obj : {&env, env.contains("payload") ? &env["payload"] : nullptr}) {
    if (!obj || !obj->is_object()) continue;
    auto it = obj->find("tenant_id");
    if (it == obj->end()) continue;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  }
  return "";
}
}  // namespace

void DecodeEnvelope(LeasedJob& job, std::string_view attempts, std::string_view max,
                    int default_max) {
  job.envelope.id = job.id;
  job.envelope.queue = job.queue;
  if (!job.malformed_reason.empty()) return;
  auto env = ParseJson(job.raw);
  if (env.is_discarded() || !env.is_object()) {
    job.malformed_reason = "malformed job JSON (not a JSON object in UTF-8)";
    return;
  }
  int max_attempts = static_cast<int>(std::clamp<int64_t>(ToInt(max, default_max), 0, 1000));
  if (max_attempts < 1) max_attempts = default_max;
  job.envelope.max_attempts = max_attempts;
  job.envelope.attempt_count =
      static_cast<int>(std::clamp<int64_t>(ToInt(attempts, 0), 0, max_attempts));
  job.envelope.tenant_id = TenantOf(env);
  if (auto it = env.find("enqueued_at"); it != env.end() && it->is_number_integer()) {
    job.envelope.enqueued_at_ms = it->get<int64_t>();
  }
  if (auto it = env.find("recorded"); it != env.end() && it->is_boolean()) {
    job.envelope.recorded = it->get<bool>();
  }
  // Moved, not copied: the envelope's tree is dropped right after.
  if (auto it = env.find("payload"); it != env.end()) job.envelope.payload = std::move(*it);
  job.attempt = job.envelope.attempt_count + 1;
  // Decoded: the text is not read again, and a job holds it until its outcome
  // is acknowledged (up to thousands in flight, each as large as its payload).
  std::string().swap(job.raw);
}

}  // namespace postwork::core
