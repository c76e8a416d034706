// Hostile and broken input: each case gets a clear error or a dead letter with
// the reason; nothing crashes and nothing else is lost.
#include <gtest/gtest.h>

#include "handlers/diagnostic/diagnostic_handler.hpp"
#include "postwork/client.hpp"
#include "postwork/error.hpp"
#include "support/test_env.hpp"
#include "support/worker_fixture.hpp"

namespace postwork::testing {
namespace {

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override { ResetState(); }
  Client& client() {
    static Client c(ClientOptions{.redis_url = Servers().redis_url,
                                  .database_url = Servers().database_url});
    return c;
  }
  static core::HandlerRegistry Handlers() {
    core::HandlerRegistry r;
    r.Register("diagnostic", handlers::RunDiagnostic);
    return r;
  }
};

TEST_F(BadInputTest, OversizedPayloadIsRefusedAtEnqueueAndNothingIsWritten) {
  nlohmann::json big = {{"blob", std::string(2 * 1024 * 1024, 'x')}};
  try {
    client().Enqueue("diagnostic", big);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("over the limit"), std::string::npos);
  }
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs"), 0);
  EXPECT_EQ(Redis().Command({"LLEN", "queue:diagnostic"}).AsInt(), 0);
}

TEST_F(BadInputTest, HostileEntriesAreDeadLetteredOrClampedAndGoodJobsStillRun) {
  std::string nul_inside("{\"id\":\"nul-1\",\"payload\":{\"x\":\"a\0b\"}}", 36);
  std::vector<std::string> entries = {
      std::string("\xff\xfe{\"id\":\"bad-utf8\"}"),
      nul_inside,
      R"({"id":"sql-1","payload":{"name":"'); DROP TABLE jobs; --"}})",
      R"({"id":"nul-escape","payload":{"x":"a\u0000b"}})",
      R"({"id":"forged","payload":{},"worker_id":"worker-evil","attempt_count":999999999,"max_attempts":-4})",
      R"({"id":"wrong-types","payload":{"sleep_ms":"soon"}})",
      R"({"id": 12.5, "payload": {}})",
      R"({"payload": {}})",
  };
  for (const auto& e : entries) Redis().Command({"LPUSH", "queue:diagnostic", e});
  auto good = client().Enqueue("diagnostic", {}).id;
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Handlers());
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt("SELECT count(*) FROM jobs WHERE status IN ('completed','failed')") ==
           static_cast<int64_t>(entries.size()) + 1;
  })) << QueryValue("SELECT string_agg(id || '=' || status, ' ') FROM jobs");
  EXPECT_EQ(QueryValue("SELECT status FROM jobs WHERE id = $1", {good}), "completed");
  // SQL metacharacters are data, stored verbatim.
  EXPECT_EQ(QueryValue("SELECT payload->>'name' FROM jobs WHERE id = 'sql-1'"),
            "'); DROP TABLE jobs; --");
  EXPECT_EQ(QueryValue("SELECT status FROM jobs WHERE id = 'sql-1'"), "completed");
  // A NUL escape cannot live in jsonb: it is kept visibly as U+FFFD.
  EXPECT_EQ(QueryValue("SELECT status FROM jobs WHERE id = 'nul-escape'"), "completed");
  // A forged attempt count is clamped: one attempt, then the job runs normally.
  EXPECT_EQ(QueryValue("SELECT status FROM jobs WHERE id = 'forged'"), "completed");
  EXPECT_NE(QueryValue("SELECT worker_id FROM jobs WHERE id = 'forged'"), "worker-evil");
  // Wrong types in a handler's payload: permanent failure with the reason.
  EXPECT_EQ(QueryValue("SELECT status FROM jobs WHERE id = 'wrong-types'"), "failed");
  EXPECT_NE(QueryValue("SELECT last_error FROM jobs WHERE id = 'wrong-types'").find("sleep_ms"),
            std::string::npos);
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = 'wrong-types'"), 1);
  // Undecodable entries are dead letters with a reason, never retried.
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE id LIKE 'malformed-%' AND status = 'failed' "
                     "AND last_error <> '' AND attempt_count = 1"),
            QueryInt("SELECT count(*) FROM jobs WHERE id LIKE 'malformed-%'"));
  EXPECT_GE(QueryInt("SELECT count(*) FROM jobs WHERE id LIKE 'malformed-%'"), 3);
}

TEST_F(BadInputTest, CliRejectsBadArgumentsWithExitTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"enqueue", "bad queue!", "{}"},
           {"enqueue", "diagnostic", "{}", "--max-attempts", "0"},
           {"enqueue", "diagnostic", "{}", "--at", "tomorrow"},
           {"dlq", "purge", "--older-than", "7y"},
           {"jobs", "list", "--status", "weird"},
           {"--log-level", "loud", "stats"},
       }) {
    auto [code, out] = RunPostwork(args);
    EXPECT_EQ(code, 2) << args[0] << " " << args[1] << ": " << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  }
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs"), 0);
}

}  // namespace
}  // namespace postwork::testing
