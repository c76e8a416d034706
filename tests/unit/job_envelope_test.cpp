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

}  // namespace
}  // namespace postwork
