// The operator CLI views: stats (per queue, --json), top (one frame for
// scripts), workers, and the worker's --http flag in a real process.
#include <gtest/gtest.h>
#include <httplib.h>

#include "core/clock.hpp"
#include "handlers/diagnostic/diagnostic_handler.hpp"
#include "postwork/client.hpp"
#include "support/test_env.hpp"
#include "support/worker_fixture.hpp"

namespace postwork::testing {
namespace {

class OperatorCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ResetState(); }
  Client& client() {
    static Client c(
        ClientOptions{.redis_url = Servers().redis_url, .database_url = Servers().database_url});
    return c;
  }
};

TEST_F(OperatorCliTest, StatsShowsEveryStatePerQueue) {
  client().EnqueueMany("email-sending", std::vector<nlohmann::json>(4, nlohmann::json::object()));
  client().Enqueue("email-sending", {},
                   {.run_at_ms = core::SystemClock::Instance().NowMs() + 3600000});
  auto [code, out] = RunPostwork({"stats", "--json"});
  ASSERT_EQ(code, 0) << out;
  auto j = nlohmann::json::parse(out);
  bool found = false;
  for (const auto& q : j["queues"]) {
    if (q["queue"] != "queue:email-sending") continue;
    found = true;
    EXPECT_EQ(q["ready"], 4);
    EXPECT_EQ(q["scheduled"], 1);
    EXPECT_EQ(q["in_flight"], 0);
    EXPECT_EQ(q["dead"], 0);
    EXPECT_GE(q["oldest_ready_age_s"].get<double>(), 0.0);
    for (const char* k : {"processed_1m", "failed_1m", "processed_1h", "failed_1h"}) {
      EXPECT_TRUE(q.contains(k)) << k;
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(j["scheduled"], 1);
  auto [code2, text] = RunPostwork({"stats"});
  ASSERT_EQ(code2, 0) << text;
  EXPECT_NE(text.find("queue:email-sending"), std::string::npos);
  EXPECT_NE(text.find("scheduled"), std::string::npos);
}

TEST_F(OperatorCliTest, TopDrawsQueuesWorkersAndRates) {
  core::HandlerRegistry handlers;
  handlers.Register("diagnostic", handlers::RunDiagnostic);
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), handlers);
  std::vector<nlohmann::json> jobs(10, nlohmann::json::object());
  client().EnqueueMany("diagnostic", jobs);
  ASSERT_TRUE(WaitFor(
      [&] { return QueryInt("SELECT count(*) FROM jobs WHERE status='completed'") == 10; }));
  // The heartbeat that lists the worker comes within a few seconds.
  std::string frame;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto [code, out] = RunPostwork({"top", "--iterations", "1"});
        frame = out;
        return code == 0 && out.find(w.worker().id()) != std::string::npos;
      },
      std::chrono::seconds(20)))
      << frame;
  EXPECT_NE(frame.find("QUEUE"), std::string::npos);
  EXPECT_NE(frame.find("queue:diagnostic"), std::string::npos);
  EXPECT_NE(frame.find("processed/s"), std::string::npos);
  EXPECT_NE(frame.find("last minute: 10 processed"), std::string::npos) << frame;
  EXPECT_NE(frame.find("healthy"), std::string::npos);
}

TEST_F(OperatorCliTest, WorkerProcessServesItsEndpointsWithHttpFlag) {
  int port = devenv::FreePort();
  auto proc = StartPostwork(
      {"worker", "--queues", "diagnostic", "--http", "127.0.0.1:" + std::to_string(port)});
  httplib::Client http("127.0.0.1", port);
  ASSERT_TRUE(WaitFor([&] {
    auto r = http.Get("/ready");
    return r && r->status == 200;
  }));
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("# TYPE postwork_jobs_processed_total counter"), std::string::npos);
  proc.Signal(SIGTERM);
  ASSERT_TRUE(proc.Wait(std::chrono::seconds(30)).has_value());
  EXPECT_FALSE(http.Get("/health"));  // the endpoints go away with the process
}

}  // namespace
}  // namespace postwork::testing
