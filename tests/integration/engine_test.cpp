// The engine against real Redis and PostgreSQL, with in-process workers.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>

#include "bench/probes.hpp"
#include "core/clock.hpp"
#include "core/reconciler.hpp"
#include "handlers/diagnostic/diagnostic_handler.hpp"
#include "pg/job_store.hpp"
#include "postwork/client.hpp"
#include "postwork/error.hpp"
#include "redis/broker.hpp"
#include "support/test_env.hpp"
#include "support/worker_fixture.hpp"

namespace postwork::testing {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { ResetState(); }
  Client& client() {
    static Client c(
        ClientOptions{.redis_url = Servers().redis_url, .database_url = Servers().database_url});
    return c;
  }
  std::string Status(const std::string& id) {
    return QueryValue("SELECT status FROM jobs WHERE id = $1", {id});
  }
  bool WaitStatus(const std::string& id, const std::string& status,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return WaitFor([&] { return Status(id) == status; }, timeout);
  }
};

core::HandlerRegistry Diagnostic() {
  core::HandlerRegistry r;
  r.Register("diagnostic", handlers::RunDiagnostic);
  return r;
}

TEST_F(EngineTest, StrictPriorityAcrossTheThreeSendingLevels) {
  for (const char* q : {"email-sending:low", "email-sending", "email-sending:high"}) {
    for (int i = 0; i < 5; ++i) client().Enqueue(q, {{"n", i}});
  }
  std::mutex mu;
  std::vector<std::string> order;
  core::HandlerRegistry handlers;
  handlers.Register("email-sending", [&](JobContext& ctx) {
    std::lock_guard lock(mu);
    order.push_back(ctx.queue);
    return Outcome::Completed({});
  });
  auto opts = TestWorkerOptions(
      {"queue:email-sending:high", "queue:email-sending", "queue:email-sending:low"});
  opts.concurrency = 1;
  RunningWorker w(opts, handlers);
  ASSERT_TRUE(WaitFor(
      [&] { return QueryInt("SELECT count(*) FROM jobs WHERE status='completed'") == 15; }));
  std::lock_guard lock(mu);
  ASSERT_EQ(order.size(), 15u);
  for (int i = 0; i < 15; ++i) {
    const char* want = i < 5 ? "queue:email-sending:high"
                             : (i < 10 ? "queue:email-sending" : "queue:email-sending:low");
    EXPECT_EQ(order[i], want) << "position " << i;
  }
}

TEST_F(EngineTest, RetriesFollowTheSeedsBackoffThenComplete) {
  auto id = client().Enqueue("diagnostic", {{"fail_attempts", 2}}).id;
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Diagnostic());
  // After the first failure the job waits in the scheduled set for 2 s.
  ASSERT_TRUE(WaitStatus(id, "retry_scheduled"));
  // PostgreSQL commits first; Redis follows within one acknowledgement.
  ASSERT_TRUE(WaitFor([&] {
    return Redis().Command({"HGET", "job:" + id, "status"}).str == "retry_scheduled";
  }));
  EXPECT_EQ(Redis().Command({"HGET", "job:" + id, "retry_delay"}).AsInt(), 2000);
  EXPECT_EQ(Redis().Command({"HGET", "job:" + id, "status"}).str, "retry_scheduled");
  EXPECT_EQ(Redis().Command({"ZSCORE", "pw:scheduled", id}).is_nil(), false);
  ASSERT_TRUE(WaitStatus(id, "completed", std::chrono::seconds(20)));
  // Each retry started no earlier than the failed attempt's end + 2^attempt s
  // (a lower bound only: tests never assert how fast a loaded machine is).
  auto gaps = QueryValue(
      "SELECT string_agg(((extract(epoch FROM (e2.started_at - e1.finished_at)) * 1000)::bigint "
      ">= 1000 * 2 ^ e1.attempt)::text, ',' ORDER BY e1.attempt) FROM job_executions e1 "
      "JOIN job_executions e2 ON e2.job_id = e1.job_id AND e2.attempt = e1.attempt + 1 "
      "WHERE e1.job_id = $1",
      {id});
  EXPECT_EQ(gaps, "true,true");
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {id}), 3);
  EXPECT_EQ(QueryValue("SELECT result->>'ok' FROM jobs WHERE id = $1", {id}), "true");
}

TEST_F(EngineTest, DeadLetterAfterMaxAttemptsAndDlqRetryBringsItBack) {
  std::atomic<bool> fail{true};
  core::HandlerRegistry handlers;
  handlers.Register("diagnostic", [&](JobContext&) {
    return fail ? Outcome::Retry("still broken") : Outcome::Completed({{"fixed", true}});
  });
  auto id = client().Enqueue("diagnostic", {}, {.max_attempts = 2}).id;
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), handlers);
  ASSERT_TRUE(WaitStatus(id, "failed", std::chrono::seconds(20)));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM job_executions WHERE job_id = $1", {id}), 2);
  EXPECT_NE(QueryValue("SELECT last_error FROM jobs WHERE id = $1", {id}).find("still broken"),
            std::string::npos);
  // PostgreSQL commits first; Redis follows within one acknowledgement.
  EXPECT_TRUE(WaitFor([&] { return !Redis().Command({"ZSCORE", "pw:dead", id}).is_nil(); }));
  auto [code, out] = RunPostwork({"dlq", "list", "--json"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find(id), std::string::npos);

  fail = false;
  auto [rcode, rout] = RunPostwork({"dlq", "retry", id});
  EXPECT_EQ(rcode, 0) << rout;
  ASSERT_TRUE(WaitStatus(id, "completed"));
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {id}), 1);
  EXPECT_TRUE(Redis().Command({"ZSCORE", "pw:dead", id}).is_nil());

  // Purging a dead job deletes its execution history with it (migration 0013).
  fail = true;
  auto purged = client().Enqueue("diagnostic", {}, {.max_attempts = 1}).id;
  ASSERT_TRUE(WaitStatus(purged, "failed", std::chrono::seconds(20)));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM job_executions WHERE job_id = $1", {purged}), 1);
  auto [pcode, pout] = RunPostwork({"dlq", "purge", "--queue", "queue:diagnostic"});
  EXPECT_EQ(pcode, 0) << pout;
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE id = $1", {purged}), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM job_executions WHERE job_id = $1", {purged}), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM job_executions WHERE job_id = $1", {id}), 3);
}

TEST_F(EngineTest, PermanentFailureSkipsRetriesAndUnknownQueueUsesTheSeedsMessage) {
  auto perm = client().Enqueue("diagnostic", {{"fail_attempts", 1}, {"permanent", true}}).id;
  auto unknown = client().Enqueue("mystery", {}).id;
  RunningWorker w(TestWorkerOptions({"queue:diagnostic", "queue:mystery"}), Diagnostic());
  ASSERT_TRUE(WaitStatus(perm, "failed"));
  ASSERT_TRUE(WaitStatus(unknown, "failed"));
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {perm}), 1);
  EXPECT_EQ(QueryValue("SELECT last_error FROM jobs WHERE id = $1", {unknown}),
            "Unknown queue type: queue:mystery");
}

TEST_F(EngineTest, MalformedEntryIsDeadLetteredAndTheWorkerGoesOn) {
  Redis().Command({"LPUSH", "queue:diagnostic", "{not json"});
  Redis().Command({"LPUSH", "queue:diagnostic", "[1,2,3]"});
  auto good = client().Enqueue("diagnostic", {}).id;
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Diagnostic());
  ASSERT_TRUE(WaitStatus(good, "completed"));
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt("SELECT count(*) FROM jobs WHERE id LIKE 'malformed-%' AND status='failed'") ==
           2;
  }));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE last_error LIKE 'malformed job JSON%'"), 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE last_error = 'job JSON is not an object'"),
            1);
  EXPECT_EQ(QueryValue("SELECT payload->>'raw' FROM jobs WHERE last_error LIKE 'malformed%'"),
            "{not json");
}

TEST_F(EngineTest, SeedProducerJobGetsARowAndRuns) {
  Redis().Command(
      {"LPUSH", "queue:diagnostic",
       R"({"id": "seed-42", "payload": {"sleep_ms": 1}, "max_attempts": 3, "attempt_count": 0})"});
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Diagnostic());
  ASSERT_TRUE(WaitStatus("seed-42", "completed"));
  EXPECT_EQ(QueryInt("SELECT max_attempts FROM jobs WHERE id = 'seed-42'"), 3);
  // The row the worker created carries the producer's payload.
  EXPECT_EQ(QueryValue("SELECT payload->>'sleep_ms' FROM jobs WHERE id = 'seed-42'"), "1");
  // PostgreSQL commits first; Redis follows within one acknowledgement.
  ASSERT_TRUE(WaitFor([&] {
    return Redis().Command({"HGET", "job:seed-42", "status"}).str == "completed";
  }));
  // Bounded memory: kept a day (terminal_ttl_seconds) by Redis's own clock.
  const int64_t ttl = Redis().Command({"TTL", "job:seed-42"}).AsInt();
  EXPECT_GT(ttl, 86400 - 60);
  EXPECT_LE(ttl, 86400);
}

TEST_F(EngineTest, ARecordedJobsWritesLeaveItsPayloadInPlace) {
  // One finishes within a flush window (a single outcome write), one outlives
  // it (a running mark first): neither write carries the payload back.
  auto quick = client().Enqueue("diagnostic", {{"to", "a@example.com"}, {"sleep_ms", 1}});
  auto slow = client().Enqueue("diagnostic", {{"to", "b@example.com"}, {"sleep_ms", 300}});
  auto entries = Redis().Command({"LRANGE", "queue:diagnostic", "0", "-1"});
  ASSERT_EQ(entries.elements.size(), 2u);
  for (const auto& e : entries.elements) {
    EXPECT_EQ(nlohmann::json::parse(e.str).value("recorded", false), true) << e.str;
  }
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Diagnostic());
  ASSERT_TRUE(WaitStatus(quick.id, "completed"));
  ASSERT_TRUE(WaitStatus(slow.id, "completed"));
  EXPECT_EQ(QueryValue("SELECT payload->>'to' FROM jobs WHERE id = $1", {quick.id}),
            "a@example.com");
  EXPECT_EQ(QueryValue("SELECT payload->>'to' FROM jobs WHERE id = $1", {slow.id}),
            "b@example.com");
}

TEST_F(EngineTest, IdempotencyKeyEnqueuedTwiceMakesOneJob) {
  auto a = client().Enqueue("diagnostic", {{"n", 1}}, {.idempotency_key = "send-1"});
  auto b = client().Enqueue("diagnostic", {{"n", 2}}, {.idempotency_key = "send-1"});
  EXPECT_TRUE(a.created);
  EXPECT_FALSE(b.created);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs"), 1);
  EXPECT_EQ(Redis().Command({"LLEN", "queue:diagnostic"}).AsInt(), 1);
  auto [code, out] = RunPostwork({"enqueue", "diagnostic", "{}", "--key", "send-1"});
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find(a.id), std::string::npos);
}

TEST_F(EngineTest, ABatchOfMadeUpIdsIsCopiedInAndAConflictFallsBackToOnConflict) {
  pg::JobStore store(Servers().database_url);
  const int64_t now = core::SystemClock::Instance().NowMs();
  // Batches of pg::JobStore::kCopyMinJobs and more are loaded with COPY.
  const size_t n = pg::JobStore::kCopyMinJobs;
  auto batch = [&](const std::string& prefix, int64_t run_at_ms) {
    std::vector<core::NewJob> jobs;
    for (size_t i = 0; i < n; ++i) {
      jobs.push_back(core::NewJob{.id = prefix + std::to_string(i),
                                  .queue = "queue:diagnostic",
                                  .payload = {{"i", i}},
                                  .max_attempts = 7,
                                  .run_at_ms = run_at_ms,
                                  .generated_id = true});
    }
    return jobs;
  };
  // Text the COPY format gives a meaning to (tab, newline, backslash, \N)
  // arrives in the row as it was sent.
  const nlohmann::json tricky = {{"s", "tab\tnew\nline \\N back\\slash \"q\""}, {"n", 1.5}};
  auto jobs = batch("copy-", 0);
  jobs[0].payload = tricky;
  jobs[1].tenant_id = "tenant-a";
  auto out = store.Insert(jobs);
  ASSERT_EQ(out.size(), n);
  for (const auto& o : out) EXPECT_TRUE(o.created) << o.id;
  EXPECT_EQ(nlohmann::json::parse(QueryValue("SELECT payload::text FROM jobs WHERE id = 'copy-0'")),
            tricky);
  EXPECT_EQ(QueryValue("SELECT status || max_attempts || coalesce(tenant_id, '-') FROM jobs "
                       "WHERE id = 'copy-1'"),
            "queued7tenant-a");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE id LIKE 'copy-%' AND tenant_id IS NULL "
                     "AND run_at = created_at AND status = 'queued'"),
            static_cast<int64_t>(n) - 1);

  // A delayed batch keeps each job's time, to the millisecond.
  for (const auto& o : store.Insert(batch("later-", now + 60'000))) EXPECT_TRUE(o.created);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE id LIKE 'later-%' "
                     "AND (extract(epoch FROM run_at) * 1000)::bigint = $1",
                     {std::to_string(now + 60'000)}),
            static_cast<int64_t>(n));

  // A made-up id that exists after all: the batch is inserted again with ON
  // CONFLICT, the new jobs are created and the existing one left as it was.
  jobs = batch("again-", 0);
  jobs[5].id = "copy-0";
  out = store.Insert(jobs);
  ASSERT_EQ(out.size(), n);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(out[i].created, i != 5) << out[i].id;
  EXPECT_EQ(QueryValue("SELECT payload->>'s' FROM jobs WHERE id = 'copy-0'"),
            tricky["s"].get<std::string>());
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs"), static_cast<int64_t>(3 * n - 1));
}

TEST_F(EngineTest, PipelinedPushesReachRedisInCommitOrderByFlushAndByTheDestructor) {
  std::vector<std::string> ids;
  {
    Client pipelined(ClientOptions{.redis_url = Servers().redis_url,
                                   .database_url = Servers().database_url,
                                   .pipelined_push = true});
    for (int call = 0; call < 5; ++call) {
      std::vector<nlohmann::json> payloads(300, nlohmann::json{{"call", call}});
      for (const auto& e : pipelined.EnqueueMany("diagnostic", payloads, {}, 100)) {
        ids.push_back(e.id);
      }
      // Each call returns once its rows are committed.
      EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs"), static_cast<int64_t>(ids.size()));
    }
    pipelined.Flush();
    EXPECT_EQ(Redis().Command({"LLEN", "queue:diagnostic"}).AsInt(), 1500);
    // Producers LPUSH and workers pop from the right: the oldest job is last.
    auto tail = Redis().Command({"LINDEX", "queue:diagnostic", "-1"}).str;
    EXPECT_NE(tail.find(ids.front()), std::string::npos);
    auto head = Redis().Command({"LINDEX", "queue:diagnostic", "0"}).str;
    EXPECT_NE(head.find(ids.back()), std::string::npos);

    // Pushes still in flight when the client goes away are completed first.
    ids.push_back(pipelined.Enqueue("diagnostic", {{"last", true}}).id);
  }
  EXPECT_EQ(Redis().Command({"LLEN", "queue:diagnostic"}).AsInt(), 1501);
  EXPECT_EQ(Redis().Command({"HGET", "job:" + ids.back(), "status"}).str, "queued");
}

TEST_F(EngineTest, DelayedJobBecomesReadyOnTime) {
  int64_t at = core::SystemClock::Instance().NowMs() + 1500;
  auto id = client().Enqueue("diagnostic", {}, {.run_at_ms = at}).id;
  EXPECT_EQ(Status(id), "queued");
  EXPECT_FALSE(Redis().Command({"ZSCORE", "pw:scheduled", id}).is_nil());
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Diagnostic());
  ASSERT_TRUE(WaitStatus(id, "completed", std::chrono::seconds(10)));
  auto started = QueryInt(
      "SELECT (extract(epoch FROM started_at) * 1000)::bigint FROM job_executions WHERE job_id = "
      "$1",
      {id});
  EXPECT_GE(started, at);
}

TEST_F(EngineTest, EachEnvelopeIsStoredOnceAndNoneOutlivesItsJob) {
  auto encoding = [&](const std::string& id) {
    return Redis().Command({"OBJECT", "ENCODING", "job:" + id}).str;
  };
  auto envelope_keys = [&] { return Redis().Command({"KEYS", "pw:env:*"}).elements.size(); };
  auto ready = client().Enqueue("diagnostic", {{"to", "a@example.com"}}).id;
  auto retried = client().Enqueue("diagnostic", {{"fail_attempts", 1}}).id;
  int64_t at = core::SystemClock::Instance().NowMs() + 1000;
  auto delayed = client().Enqueue("diagnostic", {}, {.run_at_ms = at}).id;
  auto cancelled = client().Enqueue("diagnostic", {}, {.run_at_ms = at + 60'000}).id;
  // Ready jobs: the list entry is the only copy, and the hash stays compact.
  EXPECT_EQ(encoding(ready), "listpack");
  EXPECT_TRUE(Redis().Command({"HGET", "job:" + ready, "envelope"}).is_nil());
  EXPECT_EQ(Redis().Command({"EXISTS", "pw:env:" + ready}).AsInt(), 0);
  // Scheduled jobs keep theirs beside the hash until they are due.
  EXPECT_EQ(Redis().Command({"EXISTS", "pw:env:" + delayed}).AsInt(), 1);
  EXPECT_EQ(envelope_keys(), 2u);
  auto [code, out] = RunPostwork({"jobs", "cancel", cancelled});
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(envelope_keys(), 1u);
  // A cancelled job's hash is kept a day, like a finished job's, not forever.
  EXPECT_GT(Redis().Command({"TTL", "job:" + cancelled}).AsInt(), 0);

  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Diagnostic());
  for (const auto& id : {ready, retried, delayed}) {
    ASSERT_TRUE(WaitStatus(id, "completed", std::chrono::seconds(20))) << id;
  }
  ASSERT_TRUE(WaitFor([&] {
    return Redis().Command({"HGET", "job:" + retried, "status"}).str == "completed";
  }));
  // Nothing is left behind, and a finished job's hash (kept for a day) is compact too.
  EXPECT_EQ(envelope_keys(), 0u);
  EXPECT_EQ(encoding(ready), "listpack");
  EXPECT_EQ(encoding(retried), "listpack");
}

TEST_F(EngineTest, RescheduleUsesNoAttempt) {
  std::atomic<int> calls{0};
  core::HandlerRegistry handlers;
  handlers.Register("diagnostic", [&](JobContext& ctx) {
    if (calls++ == 0) {
      return Outcome::RescheduleAt(core::SystemClock::Instance().NowMs() + 300, "window closed");
    }
    return Outcome::Completed({{"attempt", ctx.attempt}});
  });
  auto id = client().Enqueue("diagnostic", {}).id;
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), handlers);
  ASSERT_TRUE(WaitStatus(id, "completed"));
  EXPECT_EQ(QueryValue("SELECT result->>'attempt' FROM jobs WHERE id = $1", {id}), "1");
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {id}), 1);
  EXPECT_EQ(
      QueryInt("SELECT count(*) FROM job_executions WHERE job_id = $1 AND status='rescheduled'",
               {id}),
      1);
}

TEST_F(EngineTest, ExecutionTimeoutFailsTheAttemptAndCancelsTheHandler) {
  std::atomic<bool> saw_cancel{false};
  core::HandlerRegistry handlers;
  handlers.Register("diagnostic", [&](JobContext& ctx) {
    if (ctx.attempt == 1) {
      saw_cancel = ctx.cancel.WaitFor(std::chrono::seconds(20));
      return Outcome::Completed({{"late", true}});  // ignored: the attempt timed out
    }
    return Outcome::Completed({{"attempt", ctx.attempt}});
  });
  auto opts = TestWorkerOptions({"queue:diagnostic"});
  opts.timeout_seconds_by_queue["queue:diagnostic"] = 1;
  auto id = client().Enqueue("diagnostic", {}).id;
  RunningWorker w(opts, handlers);
  ASSERT_TRUE(WaitStatus(id, "completed", std::chrono::seconds(20)));
  EXPECT_TRUE(saw_cancel);
  EXPECT_EQ(QueryValue("SELECT result->>'attempt' FROM jobs WHERE id = $1", {id}), "2");
  EXPECT_EQ(
      QueryInt("SELECT count(*) FROM job_executions WHERE job_id = $1 AND status='timeout'", {id}),
      1);
}

TEST_F(EngineTest, AMixedBatchWritesEachRowAsTheUpsertWouldAndEachAttemptOnce) {
  auto done = client().Enqueue("diagnostic", {{"to", "a@example.com"}}).id;
  auto retried = client().Enqueue("diagnostic", {}).id;
  pg::JobStore store(Servers().database_url);
  const int64_t now = core::SystemClock::Instance().NowMs();
  core::FinishRecord ok{.kind = core::FinishRecord::Kind::kCompleted,
                        .id = done,
                        .queue = "queue:diagnostic",
                        .token = 7,
                        .worker_id = "w-1",
                        .attempt = 1,
                        .attempt_count = 1,
                        .result = {{"sent", true}},
                        .started_ms = now - 5,
                        .finished_ms = now,
                        .execution_status = "success"};
  core::FinishRecord retry = ok;
  retry.kind = core::FinishRecord::Kind::kRetry;
  retry.id = retried;
  retry.result = nullptr;
  retry.error = "smtp 451";
  retry.run_at_ms = now + 2000;
  retry.execution_status = "failed";
  // A foreign producer's job that PostgreSQL has no row for yet.
  core::FinishRecord foreign = ok;
  foreign.id = "foreign-1";
  foreign.payload = {{"from", "seed"}};

  auto applied = store.ApplyFinishes({ok, retry, foreign});
  std::sort(applied.begin(), applied.end());
  std::vector<std::string> want = {done, retried, "foreign-1"};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(applied, want);
  EXPECT_EQ(QueryValue("SELECT status || ' ' || worker_id || ' ' || lease_token || ' ' || "
                       "attempt_count || ' ' || (result->>'sent') || ' ' || (payload->>'to') || "
                       "' ' || (completed_at IS NOT NULL) || ' ' || legacy_success_row "
                       "FROM jobs WHERE id = $1",
                       {done}),
            "completed w-1 7 1 true a@example.com true false");
  EXPECT_EQ(QueryValue("SELECT status || ' ' || last_error FROM jobs WHERE id = $1", {retried}),
            "retry_scheduled smtp 451");
  EXPECT_EQ(QueryValue("SELECT status || ' ' || (payload->>'from') FROM jobs WHERE id = 'foreign-1'"),
            "completed seed");
  // Each attempt once: the two successes from their rows, the failure logged.
  EXPECT_EQ(QueryValue("SELECT string_agg(status, ',' ORDER BY status) FROM job_executions "
                       "WHERE job_id IN ($1, $2, 'foreign-1')",
                       {done, retried}),
            "failed,success,success");
  // Written again (a batch retried after its first statement committed): the
  // completion applies nowhere, and PostgreSQL shows it completed under this
  // very lease, which the completer counts as written.
  EXPECT_TRUE(store.ApplyFinishes({ok}).empty());
  auto statuses = store.Statuses({done});
  ASSERT_EQ(statuses.count(done), 1u);
  EXPECT_EQ(statuses[done], (std::pair<std::string, int64_t>{"completed", 7}));
}

TEST_F(EngineTest, StaleWorkersLateCompletionIsRejectedInRedisAndPostgres) {
  auto id = client().Enqueue("diagnostic", {}).id;
  redis::Broker broker(redis::ParseRedisUrl(Servers().redis_url));
  pg::JobStore store(Servers().database_url);
  auto max = [](const std::string&) { return 5; };
  int64_t now = core::SystemClock::Instance().NowMs();
  auto first = broker.Fetch("w-old", {"queue:diagnostic"}, 1, now + 10, now, max);
  ASSERT_EQ(first.jobs.size(), 1u);
  ASSERT_EQ(store.MarkRunning(first.jobs, "w-old").size(), 1u);
  // The old worker's lease expires; another worker reclaims and runs the job.
  auto reclaimed = broker.Reclaim(now + 20, 10, 60, 5);
  ASSERT_EQ(reclaimed.size(), 1u);
  store.ApplyReclaims(reclaimed);
  auto second = broker.Fetch("w-new", {"queue:diagnostic"}, 1, now + 60000, now + 30, max);
  ASSERT_EQ(second.jobs.size(), 1u);
  EXPECT_GT(second.jobs[0].token, first.jobs[0].token);
  EXPECT_EQ(second.jobs[0].attempt, 2);  // the lost attempt counted
  ASSERT_EQ(store.MarkRunning(second.jobs, "w-new").size(), 1u);

  core::FinishRecord late{.kind = core::FinishRecord::Kind::kCompleted,
                          .id = id,
                          .queue = "queue:diagnostic",
                          .token = first.jobs[0].token,
                          .worker_id = "w-old",
                          .attempt = 1,
                          .attempt_count = 1,
                          .result = {{"from", "old"}},
                          .started_ms = now,
                          .finished_ms = now,
                          .execution_status = "success"};
  EXPECT_TRUE(store.ApplyFinishes({late}).empty());
  EXPECT_EQ(broker.Finish({late}, now + 40, 60), std::vector<std::string>{id});
  EXPECT_EQ(Status(id), "running");
  EXPECT_EQ(Redis().Command({"HGET", "job:" + id, "worker_id"}).str, "w-new");

  auto good = late;
  good.token = second.jobs[0].token;
  good.worker_id = "w-new";
  good.result = {{"from", "new"}};
  EXPECT_EQ(store.ApplyFinishes({good}).size(), 1u);
  EXPECT_TRUE(broker.Finish({good}, now + 50, 60).empty());
  EXPECT_EQ(QueryValue("SELECT result->>'from' FROM jobs WHERE id = $1", {id}), "new");
  EXPECT_EQ(
      QueryInt("SELECT count(*) FROM job_executions WHERE job_id = $1 AND status='lost'", {id}), 1);
}

TEST_F(EngineTest, CronTickWithThreeWorkersMakesOneJobPerTick) {
  std::atomic<int> runs{0};
  core::HandlerRegistry handlers;
  handlers.Register("analytics", [&](JobContext&) {
    ++runs;
    return Outcome::Completed({});
  });
  auto opts = TestWorkerOptions({"queue:analytics:daily-aggregate"});
  opts.cron.push_back({.name = "every-minute",
                       .schedule = core::CronSchedule::Parse("* * * * *"),
                       .queue = "queue:analytics:daily-aggregate"});
  {
    RunningWorker a(opts, handlers), b(opts, handlers), c(opts, handlers);
    ASSERT_TRUE(WaitFor([&] { return runs >= 1; }));
    // Give the other two workers' catch-up tick time to (not) create a duplicate.
    ASSERT_TRUE(WaitFor([&] {
      return QueryInt("SELECT count(*) FROM jobs WHERE status <> 'completed'") == 0 &&
             a.worker().stats().processed + b.worker().stats().processed +
                     c.worker().stats().processed ==
                 runs;
    }));
  }
  int64_t jobs = QueryInt("SELECT count(*) FROM jobs WHERE id LIKE 'cron:every-minute:%'");
  int64_t ticks = QueryInt("SELECT count(DISTINCT id) FROM jobs");
  EXPECT_GE(jobs, 1);
  EXPECT_LE(jobs, 2);  // a minute boundary may pass during the test
  EXPECT_EQ(jobs, ticks);
  EXPECT_EQ(runs.load(), jobs);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM job_executions"), jobs);
}

TEST_F(EngineTest, ReconcilerPushesJobsRedisLost) {
  auto id = client().Enqueue("diagnostic", {}).id;
  // Jobs that differ in more than id and envelope go in one call too
  // (enqueue.lua's 'each' form): this one waits in its tenant's list.
  auto tenant_job = client().Enqueue("diagnostic", {}, {.tenant_id = "t1"}).id;
  Redis().Command({"FLUSHDB"});  // as if Redis restarted without persistence
  auto [code, out] = RunPostwork({"reconcile", "--grace-seconds", "0"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("pushed 2"), std::string::npos) << out;
  EXPECT_EQ(Redis().Command({"LLEN", "queue:diagnostic"}).AsInt(), 1);
  EXPECT_EQ(Redis().Command({"LLEN", "pw:tq:queue:diagnostic:t1"}).AsInt(), 1);
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), Diagnostic());
  ASSERT_TRUE(WaitStatus(id, "completed"));
  ASSERT_TRUE(WaitStatus(tenant_job, "completed"));
  auto [code2, out2] = RunPostwork({"reconcile", "--grace-seconds", "0"});
  EXPECT_NE(out2.find("pushed 0"), std::string::npos) << out2;
}

TEST_F(EngineTest, ReconcilerReadsLiveJobsThroughOneCursorAndSkipsJobsFinishedSinceItsSnapshot) {
  std::vector<nlohmann::json> payloads(25, nlohmann::json::object());
  auto jobs = client().EnqueueMany("diagnostic", payloads);
  ASSERT_EQ(jobs.size(), 25u);
  // Finished history must not be read page by page: 40 completed rows.
  QueryValue(
      "INSERT INTO jobs (id, queue, status, payload, completed_at) "
      "SELECT 'done-' || g, 'queue:diagnostic', 'completed', '{}', now() "
      "FROM generate_series(1, 40) g");
  Redis().Command({"FLUSHDB"});
  pg::JobStore store(Servers().database_url);
  // The pass sees its snapshot in pages; a job that finishes during the pass
  // is still in a later page, but the fresh read leaves it out.
  std::vector<size_t> pages;
  std::set<std::string> seen;
  const std::string finished = jobs[24].id;
  store.ForEachLiveJobOlderThan(0, 10, [&](std::vector<pg::StoredJob>& page) {
    if (pages.empty()) QueryValue("UPDATE jobs SET status = 'completed' WHERE id = $1", {finished});
    pages.push_back(page.size());
    for (const auto& j : page) seen.insert(j.id);
  });
  EXPECT_EQ(pages, (std::vector<size_t>{10, 10, 5}));
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_TRUE(seen.contains(finished));
  auto fresh = store.LiveJobsOlderThan({finished, jobs[0].id}, 0);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].id, jobs[0].id);
  EXPECT_TRUE(store.LiveJobsOlderThan({jobs[0].id}, 3600).empty());  // within the grace
  redis::Broker broker(redis::ParseRedisUrl(Servers().redis_url));
  EXPECT_EQ(core::ReconcileOnce(broker, store, 0, core::SystemClock::Instance().NowMs(), 10), 24);
  EXPECT_EQ(Redis().Command({"LLEN", "queue:diagnostic"}).AsInt(), 24);
  // The store's connection is usable after the pass (the cursor's transaction ended).
  EXPECT_EQ(store.LiveJobsOlderThan({jobs[0].id}, 0).size(), 1u);
}

TEST_F(EngineTest, RedisRepliesOfEveryShapeArriveWhole) {
  // The connection builds its Value tree in hiredis's reader: nested arrays,
  // nil inside an array, empty arrays, integers, status and error replies.
  auto& r = Redis();
  EXPECT_EQ(r.Command({"SET", "shape:a", "alpha"}).type, redis::Value::Type::kStatus);
  EXPECT_EQ(r.Command({"SET", "shape:a", "alpha"}).str, "OK");
  EXPECT_EQ(r.Command({"INCRBY", "shape:n", "41"}).integer, 41);
  EXPECT_TRUE(r.Command({"GET", "shape:none"}).is_nil());
  auto mget = r.Command({"MGET", "shape:a", "shape:none", "shape:n"});
  ASSERT_EQ(mget.elements.size(), 3u);
  EXPECT_EQ(mget.elements[0].str, "alpha");
  EXPECT_TRUE(mget.elements[1].is_nil());
  EXPECT_EQ(mget.elements[2].AsInt(), 41);
  EXPECT_TRUE(r.Command({"LRANGE", "shape:empty", "0", "-1"}).elements.empty());
  auto err = r.Command({"INCR", "shape:a"});
  EXPECT_TRUE(err.is_error());
  EXPECT_NE(err.str.find("not an integer"), std::string::npos);
  // A large reply (about 1 MB) and a nested one, twice: the kept read buffer
  // serves the second.
  std::string big(1 << 20, 'x');
  r.Command({"SET", "shape:big", big});
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(r.Command({"GET", "shape:big"}).str, big);
    auto nested = r.Command({"EVAL", "return {1, {'two', {3}}, {}, 'four'}", "0"});
    ASSERT_EQ(nested.elements.size(), 4u);
    EXPECT_EQ(nested.elements[0].integer, 1);
    ASSERT_EQ(nested.elements[1].elements.size(), 2u);
    EXPECT_EQ(nested.elements[1].elements[0].str, "two");
    EXPECT_EQ(nested.elements[1].elements[1].elements[0].integer, 3);
    EXPECT_TRUE(nested.elements[2].elements.empty());
    EXPECT_EQ(nested.elements[3].str, "four");
  }
  auto piped = r.Pipeline({{"GET", "shape:a"}, {"GET", "shape:none"}, {"INCR", "shape:a"}});
  ASSERT_EQ(piped.size(), 3u);
  EXPECT_EQ(piped[0].str, "alpha");
  EXPECT_TRUE(piped[1].is_nil());
  EXPECT_TRUE(piped[2].is_error());
}

TEST_F(EngineTest, AFetchSaysWhetherWorkRemainsAndKeepsEachLeasedEnvelopeUntilTheOutcome) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(client().Enqueue("diagnostic", {{"n", i}}).id);
  redis::Broker broker(redis::ParseRedisUrl(Servers().redis_url));
  auto max = [](const std::string&) { return 5; };
  int64_t now = core::SystemClock::Instance().NowMs();
  auto first = broker.Fetch("w-more", {"queue:diagnostic"}, 2, now + 60000, now, max);
  ASSERT_EQ(first.jobs.size(), 2u);
  EXPECT_TRUE(first.more);  // one job is still queued
  auto second = broker.Fetch("w-more", {"queue:diagnostic"}, 2, now + 60000, now, max);
  ASSERT_EQ(second.jobs.size(), 1u);
  EXPECT_FALSE(second.more);  // it took the last one
  auto third = broker.Fetch("w-more", {"queue:diagnostic"}, 2, now + 60000, now, max);
  EXPECT_TRUE(third.jobs.empty());
  EXPECT_FALSE(third.more);

  // Every leased job's envelope is held (one MSET per fetch) until its outcome
  // (one DEL per finish batch).
  std::vector<core::FinishRecord> done;
  for (const auto* batch : {&first, &second}) {
    for (const auto& job : batch->jobs) {
      auto held = nlohmann::json::parse(Redis().Command({"GET", "pw:env:" + job.id}).str);
      EXPECT_EQ(held["id"], job.id);
      EXPECT_EQ(held["payload"], job.envelope.payload);
      done.push_back({.kind = core::FinishRecord::Kind::kCompleted,
                      .id = job.id,
                      .queue = job.queue,
                      .token = job.token,
                      .worker_id = "w-more",
                      .attempt = 1,
                      .attempt_count = 1,
                      .result = {{"ok", true}},
                      .started_ms = now,
                      .finished_ms = now,
                      .execution_status = "success"});
    }
  }
  EXPECT_TRUE(broker.Finish(done, now + 10, 60).empty());
  for (const auto& id : ids) {
    EXPECT_EQ(Redis().Command({"EXISTS", "pw:env:" + id}).integer, 0) << id;
    EXPECT_EQ(Redis().Command({"HGET", "job:" + id, "status"}).str, "completed") << id;
  }
}

TEST_F(EngineTest, AtConcurrencyOneShortJobsAreFetchedManyAtATime) {
  std::vector<nlohmann::json> payloads(300, nlohmann::json::object());
  client().EnqueueMany("diagnostic", payloads);
  bench::RedisProbe probe(Servers().redis_url);  // commandstats, its own calls left out
  auto before = probe.Take();
  auto opts = TestWorkerOptions({"queue:diagnostic"});
  opts.concurrency = 1;
  {
    RunningWorker w(opts, Diagnostic());
    ASSERT_TRUE(WaitFor([&] {
      return QueryInt("SELECT count(*) FROM jobs WHERE status = 'completed'") == 300;
    }));
  }
  // One fetch per job would be 300 script calls before any finish. Once the
  // handlers are seen to be short, a fetch takes the free slot's job and up to
  // 16 more (the prefetch); finishes are batched by the completer.
  auto after = probe.Take();
  auto scripts = [](auto& sample) { return sample.calls["evalsha"] + sample.calls["eval"]; };
  EXPECT_LT(scripts(after) - scripts(before), 150);
}

TEST_F(EngineTest, NoJobIsPrefetchedBehindAJobThatRunsLong) {
  std::vector<nlohmann::json> quick(20, nlohmann::json::object());
  client().EnqueueMany("diagnostic", quick);
  auto busy_opts = TestWorkerOptions({"queue:diagnostic"});
  busy_opts.concurrency = 1;
  busy_opts.id = "w-busy";
  RunningWorker busy(busy_opts, Diagnostic());
  // Its handlers are short on average now: it prefetches.
  ASSERT_TRUE(WaitFor(
      [&] { return QueryInt("SELECT count(*) FROM jobs WHERE status = 'completed'") == 20; }));
  auto long_id = client().Enqueue("diagnostic", {{"sleep_ms", 5000}}).id;
  ASSERT_TRUE(WaitStatus(long_id, "running"));
  // Pushed while the long job runs: its worker wakes, but fetches none of them
  // (no free slot, and a job running long turns the prefetch off), so a
  // second worker runs them all.
  std::vector<std::string> after;
  for (int i = 0; i < 5; ++i) after.push_back(client().Enqueue("diagnostic", {{"n", i}}).id);
  auto idle_opts = TestWorkerOptions({"queue:diagnostic"});
  idle_opts.concurrency = 1;
  idle_opts.id = "w-idle";
  RunningWorker idle(idle_opts, Diagnostic());
  for (const auto& id : after) {
    ASSERT_TRUE(WaitStatus(id, "completed")) << id;
    EXPECT_EQ(QueryValue("SELECT worker_id FROM jobs WHERE id = $1", {id}), "w-idle") << id;
  }
  EXPECT_TRUE(WaitStatus(long_id, "completed"));
}

TEST_F(EngineTest, DueJobsBeyondAFetchsPromoteLimitCountAsWorkRemaining) {
  int64_t now = core::SystemClock::Instance().NowMs();
  std::vector<nlohmann::json> payloads(150, nlohmann::json::object());
  client().EnqueueMany("diagnostic", payloads, {.run_at_ms = now + 1000});
  redis::Broker broker(redis::ParseRedisUrl(Servers().redis_url));
  auto max = [](const std::string&) { return 5; };
  // A worker of another queue: it promotes the due jobs (100 per call at
  // most) but leases none of them.
  auto first = broker.Fetch("w-other", {"queue:elsewhere"}, 1, now + 60000, now + 2000, max);
  EXPECT_TRUE(first.jobs.empty());
  EXPECT_TRUE(first.more);  // 50 due jobs are still waiting to be promoted
  auto second = broker.Fetch("w-other", {"queue:elsewhere"}, 1, now + 60000, now + 2000, max);
  EXPECT_FALSE(second.more);
  EXPECT_EQ(Redis().Command({"LLEN", "queue:diagnostic"}).integer, 150);
  EXPECT_EQ(Redis().Command({"ZCARD", "pw:scheduled"}).integer, 0);
}

TEST_F(EngineTest, AWorkerThatEmptiedItsQueueWakesForTheNextPushWithoutPolling) {
  auto opts = TestWorkerOptions({"queue:diagnostic"});
  opts.poll_interval_ms = 600000;  // only a wake-up can start the second job in time
  RunningWorker w(opts, Diagnostic());
  auto first = client().Enqueue("diagnostic", {}).id;
  ASSERT_TRUE(WaitStatus(first, "completed", std::chrono::seconds(20)));
  auto second = client().Enqueue("diagnostic", {}).id;
  EXPECT_TRUE(WaitStatus(second, "completed", std::chrono::seconds(20)));
  // The fetch loop sees the stop when its wait ends: end it now.
  w.worker().RequestStop();
  Redis().Command({"LPUSH", "pw:wake", "1"});
}

TEST_F(EngineTest, APushWakesAWorkerOfItsOwnQueueWhenPoolsServeDifferentQueues) {
  core::HandlerRegistry handlers;
  auto ok = [](JobContext&) { return Outcome::Completed({}); };
  handlers.Register("diagnostic", ok);
  handlers.Register("webhook", ok);
  // Polling off: only a wake-up starts a job in time. With one wake list for
  // both pools, a token taken by the other pool's worker would leave the job
  // waiting for the poll.
  auto a = TestWorkerOptions({"queue:diagnostic"});
  a.id = "pool-a";
  a.poll_interval_ms = 600000;
  auto b = TestWorkerOptions({"queue:webhook"});
  b.id = "pool-b";
  b.poll_interval_ms = 600000;
  RunningWorker wa(a, handlers);
  RunningWorker wb(b, handlers);
  for (int i = 0; i < 4; ++i) {
    auto hook = client().Enqueue("webhook", {{"n", i}}).id;
    ASSERT_TRUE(WaitStatus(hook, "completed", std::chrono::seconds(20))) << i;
    auto diag = client().Enqueue("diagnostic", {{"n", i}}).id;
    ASSERT_TRUE(WaitStatus(diag, "completed", std::chrono::seconds(20))) << i;
  }
  EXPECT_EQ(QueryInt("SELECT count(*) FROM jobs WHERE queue = 'queue:webhook' AND worker_id = "
                     "'pool-b' AND status = 'completed'"),
            4);
  // The fetch loops see the stop when their waits end: end them now.
  wa.worker().RequestStop();
  wb.worker().RequestStop();
  Redis().Command({"LPUSH", "pw:wake:queue:diagnostic", "1"});
  Redis().Command({"LPUSH", "pw:wake:queue:webhook", "1"});
}

TEST_F(EngineTest, HeartbeatListsLiveWorkers) {
  auto opts = TestWorkerOptions({"queue:diagnostic"});
  opts.id = "worker-test-heartbeat";
  RunningWorker w(opts, Diagnostic());
  ASSERT_TRUE(WaitFor([&] {
    auto [code, out] = RunPostwork({"workers", "--json"});
    return code == 0 && out.find("worker-test-heartbeat") != std::string::npos &&
           out.find("jobs_processed") != std::string::npos;
  }));
  w.Stop();
  auto [code, out] = RunPostwork({"workers", "--json"});
  EXPECT_EQ(out.find("worker-test-heartbeat"), std::string::npos);  // deregistered on stop
}

}  // namespace
}  // namespace postwork::testing
