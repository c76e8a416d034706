#include "core/envelope.hpp"

#include <algorithm>
#include <exception>
#include <optional>
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

// The members of an envelope the worker reads; the rest (id, queue, the
// counters Redis keeps beside the entry) come from the fetch.
struct Members {
  std::optional<nlohmann::json> payload, tenant_id, enqueued_at, recorded;
};

bool Wanted(std::string_view key) {
  return key == "payload" || key == "tenant_id" || key == "enqueued_at" || key == "recorded";
}

void Keep(Members& m, std::string_view key, nlohmann::json&& value) {
  if (key == "payload") {
    m.payload = std::move(value);
  } else if (key == "tenant_id") {
    m.tenant_id = std::move(value);
  } else if (key == "enqueued_at") {
    m.enqueued_at = std::move(value);
  } else if (key == "recorded") {
    m.recorded = std::move(value);
  }
}

// The whole entry as one JSON value, then its members: the path for whatever
// the member scan does not take (nlohmann::json has the last word).
bool MembersOfParsed(std::string_view raw, Members& m) {
  auto env = ParseJson(raw);
  if (env.is_discarded() || !env.is_object()) return false;
  for (auto& [key, value] : env.get_ref<nlohmann::json::object_t&>()) {
    if (Wanted(key)) Keep(m, key, std::move(value));
  }
  return true;
}

std::string TenantOf(const Members& m) {
  const nlohmann::json* payload_tenant = nullptr;
  if (m.payload && m.payload->is_object()) {
    auto it = m.payload->find("tenant_id");
    if (it != m.payload->end()) payload_tenant = &*it;
  }
  for (const auto* t : {m.tenant_id ? &*m.tenant_id : nullptr, payload_tenant}) {
    if (!t) continue;
    if (t->is_string()) return t->get<std::string>();
    if (t->is_number_integer()) return std::to_string(t->get<int64_t>());
  }
  return "";
}
}  // namespace

void DecodeEnvelope(LeasedJob& job, std::string_view attempts, std::string_view max,
                    int default_max) {
  job.envelope.id = job.id;
  job.envelope.queue = job.queue;
  if (!job.malformed_reason.empty()) return;
  // Member by member: the envelope's own object is never built (a tree of
  // seven members, a third of the fetch thread's instructions per job).
  Members m;
  bool ok = TryParseJsonMembersFast(job.raw, Wanted, [&](std::string_view key, nlohmann::json&& v) {
    Keep(m, key, std::move(v));
  });
  if (!ok) {
    m = Members{};
    if (!MembersOfParsed(job.raw, m)) {
      job.malformed_reason = "malformed job JSON (not a JSON object in UTF-8)";
      return;
    }
  }
  int max_attempts = static_cast<int>(std::clamp<int64_t>(ToInt(max, default_max), 0, 1000));
  if (max_attempts < 1) max_attempts = default_max;
  job.envelope.max_attempts = max_attempts;
  job.envelope.attempt_count =
      static_cast<int>(std::clamp<int64_t>(ToInt(attempts, 0), 0, max_attempts));
  job.envelope.tenant_id = TenantOf(m);
  if (m.enqueued_at && m.enqueued_at->is_number_integer()) {
    job.envelope.enqueued_at_ms = m.enqueued_at->get<int64_t>();
  }
  if (m.recorded && m.recorded->is_boolean()) job.envelope.recorded = m.recorded->get<bool>();
  // Moved, not copied.
  if (m.payload) job.envelope.payload = std::move(*m.payload);
  job.attempt = job.envelope.attempt_count + 1;
  // Decoded: the text is not read again, and a job holds it until its outcome
  // is acknowledged (up to thousands in flight, each as large as its payload).
  std::string().swap(job.raw);
}

}  // namespace postwork::core
