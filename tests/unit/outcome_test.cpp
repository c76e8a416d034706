#include "core/outcome.hpp"

#include <gtest/gtest.h>

#include "postwork/error.hpp"

namespace postwork::core {
namespace {
LeasedJob Job(int attempt, int max_attempts) {
  LeasedJob j;
  j.id = "j1";
  j.queue = "queue:diagnostic";
  j.token = 7;
  j.attempt = attempt;
  j.envelope.max_attempts = max_attempts;
  j.envelope.attempt_count = attempt - 1;
  return j;
}
using Kind = FinishRecord::Kind;
}  // namespace

TEST(DecideFinish, CompletedKeepsTheResult) {
  auto f = DecideFinish(Job(1, 5), Outcome::Completed({{"ok", true}}), "w", 100, 150, {});
  EXPECT_EQ(f.kind, Kind::kCompleted);
  EXPECT_EQ(f.result["ok"], true);
  EXPECT_EQ(f.attempt_count, 1);
  EXPECT_EQ(f.execution_status, "success");
  EXPECT_EQ(f.token, 7);
}

TEST(DecideFinish, CarriesThePayloadOnlyForAJobWithoutARow) {
  LeasedJob foreign = Job(1, 5);
  foreign.envelope.payload = {{"to", "a@example.com"}};
  LeasedJob recorded = foreign;
  recorded.envelope.recorded = true;
  EXPECT_EQ(DecideFinish(foreign, Outcome::Completed({}), "w", 1, 2, {}).payload["to"],
            "a@example.com");
  EXPECT_TRUE(DecideFinish(recorded, Outcome::Completed({}), "w", 1, 2, {}).payload.is_null());
  EXPECT_TRUE(DecideRequeue(recorded, "w", 1, 2, true, "stopping").payload.is_null());
}

TEST(DecideFinish, RetryUsesTheBackoffOfThisAttempt) {
  auto f = DecideFinish(Job(3, 5), Outcome::Retry("boom"), "w", 0, 1000, {});
  EXPECT_EQ(f.kind, Kind::kRetry);
  EXPECT_EQ(f.run_at_ms, 1000 + 8000);
  EXPECT_EQ(f.attempt_count, 3);
}

TEST(DecideFinish, LastAttemptDeadLetters) {
  auto f = DecideFinish(Job(5, 5), Outcome::Retry("boom"), "w", 0, 1000, {});
  EXPECT_EQ(f.kind, Kind::kFailed);
  EXPECT_NE(f.error.find("after 5 attempts"), std::string::npos);
}

TEST(DecideFinish, PermanentSkipsRetries) {
  auto f = DecideFinish(Job(1, 5), Outcome::Permanent("bad payload"), "w", 0, 1, {});
  EXPECT_EQ(f.kind, Kind::kFailed);
  EXPECT_EQ(f.error, "bad payload");
}

TEST(DecideFinish, RescheduleUsesNoAttempt) {
  auto f = DecideFinish(Job(2, 5), Outcome::RescheduleAt(99999, "window closed"), "w", 0, 10, {});
  EXPECT_EQ(f.kind, Kind::kReschedule);
  EXPECT_EQ(f.run_at_ms, 99999);
  EXPECT_EQ(f.attempt_count, 1);
}

TEST(DecideFinish, TimeoutIsRecordedAsSuch) {
  auto f = DecideFinish(Job(1, 5), Outcome::Retry("timeout"), "w", 0, 10, {}, true);
  EXPECT_EQ(f.execution_status, "timeout");
}

TEST(RunHandler, MapsExceptionsToOutcomes) {
  int64_t dummy_attempt = 1;
  (void)dummy_attempt;
  nlohmann::json payload = nlohmann::json::object();
  CancellationToken token;
  std::string id = "x", queue = "q", tenant;
  JobContext ctx{.job_id = id,
                 .queue = queue,
                 .tenant_id = tenant,
                 .attempt = 1,
                 .max_attempts = 5,
                 .payload = payload,
                 .cancel = token};
  EXPECT_EQ(RunHandler([](JobContext&) -> Outcome { throw PermanentError("no"); }, ctx).kind,
            Outcome::Kind::kPermanentFailure);
  EXPECT_EQ(RunHandler([](JobContext&) -> Outcome { throw RescheduleError(5, "later"); }, ctx).kind,
            Outcome::Kind::kReschedule);
  EXPECT_EQ(RunHandler([](JobContext&) -> Outcome { throw std::runtime_error("x"); }, ctx).kind,
            Outcome::Kind::kRetry);
  EXPECT_EQ(RunHandler([](JobContext&) -> Outcome { throw 42; }, ctx).kind, Outcome::Kind::kRetry);
}

}  // namespace postwork::core
