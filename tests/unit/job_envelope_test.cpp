// The wire envelope written from an already serialised payload must be byte
// for byte what nlohmann::json writes (fetch.lua trusts an entry that matches
// its job hash's envelope, and both come from the same producer code).
#include <gtest/gtest.h>

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
       .enqueued_at_ms = 1764385063123},
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
    const std::string expected = j.dump();
    EXPECT_EQ(env.ToWire(), expected);
    EXPECT_EQ(env.ToWireWith(env.payload.dump()), expected);
    EXPECT_EQ(nlohmann::json::parse(env.ToWire()), j);
  }
}

}  // namespace
}  // namespace postwork
