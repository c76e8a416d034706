// Job envelope decoding: what a (possibly hostile) producer wrote to Redis.
// Input: line 1 the attempt counter Redis keeps, line 2 the max-attempts
// counter, the rest the queue entry. Properties: never throws; the counters end
// up in range whatever the producer wrote; a malformed entry carries a reason;
// the fast JSON path (core/json_parse.hpp) agrees with nlohmann::json, values
// and number types, on every entry it takes, and so does the fast writer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/envelope.hpp"
#include "core/json_parse.hpp"
#include "fuzz_check.hpp"

namespace {
std::string_view TakeLine(std::string_view& rest) {
  auto nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::string_view attempts = TakeLine(rest);
  std::string_view max = TakeLine(rest);
  // A queue's configured default is 1..1000 (Config::Validate); vary it too.
  int default_max = 1 + static_cast<int>(size % 1000);

  postwork::core::LeasedJob job{.id = "j1", .queue = "queue:diagnostic", .raw = std::string(rest)};
  postwork::core::DecodeEnvelope(job, attempts, max, default_max);

  nlohmann::json fast;
  if (postwork::core::TryParseJsonFast(rest, fast)) {
    auto slow = nlohmann::json::parse(rest, nullptr, false);
    FUZZ_CHECK(!slow.is_discarded());
    FUZZ_CHECK(fast == slow);
    FUZZ_CHECK(fast.dump() == slow.dump());                     // the same number types too
    FUZZ_CHECK(postwork::core::DumpJson(fast) == fast.dump());  // the writer's fast path
  }

  // The member scan (what DecodeEnvelope reads first) agrees with the parse of
  // the whole object, member by member, and takes what the fast path takes.
  nlohmann::json members = nlohmann::json::object();
  if (postwork::core::TryParseJsonMembersFast(
          rest, [](std::string_view) { return true; },
          [&](std::string_view key, nlohmann::json&& v) {
            members[std::string(key)] = std::move(v);
          })) {
    auto slow = nlohmann::json::parse(rest, nullptr, false);
    FUZZ_CHECK(!slow.is_discarded() && slow.is_object());
    FUZZ_CHECK(members == slow);
    FUZZ_CHECK(members.dump() == slow.dump());
  }

  FUZZ_CHECK(job.envelope.id == "j1" && job.envelope.queue == "queue:diagnostic");
  if (!job.malformed_reason.empty()) return 0;
  const auto& e = job.envelope;
  FUZZ_CHECK(e.max_attempts >= 1 && e.max_attempts <= 1000);
  FUZZ_CHECK(e.attempt_count >= 0 && e.attempt_count <= e.max_attempts);
  FUZZ_CHECK(job.attempt == e.attempt_count + 1);
  // What a handler gets must serialize back (to PostgreSQL, to the logs).
  (void)e.payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
