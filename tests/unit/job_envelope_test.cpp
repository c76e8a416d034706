// The wire envelope written from an already serialised payload must be byte
// for byte what nlohmann::json writes (fetch.lua trusts an entry that matches
// its job hash's envelope, and both come from the same producer code).
#include <gtest/gtest.h>

#include "core/envelope.hpp"
#include "postwork/job.hpp"

namespace postwork {
namespace {

TEST(JobEnvelope, ToWireWithMatchesTheJsonLibrarysOutput) {
  std::vector<JobEnvelope> cases = {
      {.id = "01a2253c-2ba0-7ae8-90cd-7069473ae085", .queue = "queue:diagnostic"},
      {.id = "with \"quotes\" and \\ and \n",
       .queue = "queue:email-sending:high",
       .payload = {{"b", 1}, {"a", {{"nested", "x"}}}, {"unicode", "caf\xC3\xA9"}},
       .max_attempts = 7,
       .attempt_count = 3,
       .tenant_id = "t\"1",
       .enqueued_at_ms = 1764385063123,
       .recorded = true},
      {.id = "no-queue", .queue = "", .payload = nlohmann::json::array({1, 2}), .tenant_id = ""},
  };
  for (const auto& env : cases) {
    nlohmann::json j = {{"id", env.id},
                        {"payload", env.payload},
                        {"max_attempts", env.max_attempts},
                        {"attempt_count", env.attempt_count}};
    if (!env.queue.empty()) j["queue"] = env.queue;
    if (!env.tenant_id.empty()) j["tenant_id"] = env.tenant_id;
    if (env.enqueued_at_ms > 0) j["enqueued_at"] = env.enqueued_at_ms;
    if (env.recorded) j["recorded"] = true;
    const std::string expected = j.dump();
    EXPECT_EQ(env.ToWire(), expected);
    EXPECT_EQ(env.ToWireWith(env.payload.dump()), expected);
    EXPECT_EQ(nlohmann::json::parse(env.ToWire()), j);
  }
}

TEST(JobEnvelope, RecordedRoundTripsThroughTheDecoder) {
  for (bool recorded : {false, true}) {
    core::LeasedJob job{.id = "j1", .queue = "queue:diagnostic"};
    job.raw = JobEnvelope{.id = "j1", .payload = {{"to", "a@example.com"}}, .recorded = recorded}
                  .ToWire();
    core::DecodeEnvelope(job, "0", "5", 5);
    EXPECT_EQ(job.envelope.recorded, recorded);
    EXPECT_EQ(job.envelope.payload["to"], "a@example.com");
  }
  // A foreign producer's "recorded" that is not a boolean is ignored.
  core::LeasedJob job{.id = "j2", .queue = "queue:diagnostic"};
  job.raw = R"({"id":"j2","payload":{},"recorded":"yes"})";
  core::DecodeEnvelope(job, "0", "5", 5);
  EXPECT_FALSE(job.envelope.recorded);
}

// The decoder reads an entry member by member (the fast path) and falls back
// to parsing it whole; both must give the same envelope.
TEST(JobEnvelope, MemberScanAndWholeParseAgree) {
  struct Case {
    std::string raw;
    std::string tenant;
    int64_t enqueued_at;
    nlohmann::json payload;  // unread when the entry is malformed
  };
  std::vector<Case> cases = {
      // A repeated key: the last wins, as in nlohmann::json.
      {R"({"payload":{"a":1},"tenant_id":"t1","payload":{"b":2},"enqueued_at":7})",
       "t1",
       7,
       {{"b", 2}}},
      // No top-level tenant: the payload's; an integer tenant as text.
      {R"({"id":"x","payload":{"tenant_id":42}})", "42", 0, {{"tenant_id", 42}}},
      // A top-level tenant that is neither string nor integer: the payload's.
      {R"({"tenant_id":null,"payload":{"tenant_id":"p"}})", "p", 0, {{"tenant_id", "p"}}},
      // An escape in a member that is skipped, and whitespace everywhere.
      {" { \"id\" : \"a\\u00e9\\\"b\" , \"payload\" : [ 1 , 2 ] } ", "", 0, {1, 2}},
      // Not valid UTF-8 in a member the decoder does not read: still malformed.
      {"{\"id\":\"\xff\",\"payload\":{}}", "", 0, nullptr},
      // Trailing text after the object, an array, an unterminated object.
      {R"({"payload":{}} x)", "", 0, nullptr},
      {R"([1,2])", "", 0, nullptr},
      {R"({"payload":{})", "", 0, nullptr},
      // What the fast path leaves to nlohmann (a number out of its range) decodes the same.
      {R"({"n":1e999,"payload":{"k":"v"},"enqueued_at":5})", "", 5, {{"k", "v"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.raw);
    core::LeasedJob job{.id = "j", .queue = "queue:diagnostic", .raw = c.raw};
    core::DecodeEnvelope(job, "0", "5", 5);
    const bool whole_ok = [&] {
      auto j = nlohmann::json::parse(c.raw, nullptr, false);
      return !j.is_discarded() && j.is_object();
    }();
    EXPECT_EQ(job.malformed_reason.empty(), whole_ok);
    if (!whole_ok) continue;
    EXPECT_EQ(job.envelope.tenant_id, c.tenant);
    EXPECT_EQ(job.envelope.enqueued_at_ms, c.enqueued_at);
    EXPECT_EQ(job.envelope.payload, c.payload);
  }
}

}  // namespace
}  // namespace postwork
