// Fairness across tenants within one queue.
#include <gtest/gtest.h>

#include "handlers/diagnostic/diagnostic_handler.hpp"
#include "postwork/client.hpp"
#include "support/test_env.hpp"
#include "support/worker_fixture.hpp"

namespace postwork::testing {
namespace {

TEST(FairnessTest, SmallTenantIsNotStarvedByABigCampaign) {
  ResetState();
  Client client(ClientOptions{.redis_url = Servers().redis_url,
                              .database_url = Servers().database_url});
  std::vector<nlohmann::json> a(20000, nlohmann::json::object());
  client.EnqueueMany("diagnostic", a, {.tenant_id = "tenant-a"});
  core::HandlerRegistry handlers;
  handlers.Register("diagnostic", handlers::RunDiagnostic);
  auto opts = TestWorkerOptions({"queue:diagnostic"});
  opts.concurrency = 10;
  RunningWorker w(opts, handlers);
  ASSERT_TRUE(WaitFor([&] { return QueryInt("SELECT count(*) FROM job_executions") > 500; }));
  std::string b_first = QueryValue("SELECT now()");
  std::vector<nlohmann::json> b(100, nlohmann::json::object());
  client.EnqueueMany("diagnostic", b, {.tenant_id = "tenant-b"});
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt("SELECT count(*) FROM jobs WHERE tenant_id = 'tenant-b' AND status = 'completed'") == 100;
  }));
  w.Stop();
  std::string b_last = QueryValue(
      "SELECT max(e.started_at) FROM job_executions e JOIN jobs j ON j.id = e.job_id "
      "WHERE j.tenant_id = 'tenant-b'");
  int64_t a_between = QueryInt(
      "SELECT count(*) FROM job_executions e JOIN jobs j ON j.id = e.job_id "
      "WHERE j.tenant_id = 'tenant-a' AND e.started_at >= $1::timestamptz "
      "AND e.started_at <= $2::timestamptz",
      {b_first, b_last});
  std::cout << "tenant-a jobs started while tenant-b's 100 ran: " << a_between << "\n";
  EXPECT_LT(a_between, 1000);
  // Ready counts include the per-tenant lists.
  auto [code, out] = RunPostwork({"stats", "--json"});
  EXPECT_EQ(code, 0) << out;
}

TEST(FairnessTest, RequeuedAndRetriedTenantJobsStayInTheirTenantList) {
  ResetState();
  Client client(ClientOptions{.redis_url = Servers().redis_url,
                              .database_url = Servers().database_url});
  auto id = client.Enqueue("diagnostic", {{"fail_attempts", 1}}, {.tenant_id = "t1"}).id;
  EXPECT_EQ(Redis().Command({"LLEN", "pw:tq:queue:diagnostic:t1"}).AsInt(), 1);
  EXPECT_EQ(Redis().Command({"LLEN", "queue:diagnostic"}).AsInt(), 0);
  core::HandlerRegistry handlers;
  handlers.Register("diagnostic", handlers::RunDiagnostic);
  RunningWorker w(TestWorkerOptions({"queue:diagnostic"}), handlers);
  ASSERT_TRUE(WaitFor([&] {
    return QueryValue("SELECT status FROM jobs WHERE id = $1", {id}) == "completed";
  }));
  EXPECT_EQ(QueryInt("SELECT attempt_count FROM jobs WHERE id = $1", {id}), 2);
  EXPECT_EQ(Redis().Command({"EXISTS", "pw:tr:queue:diagnostic"}).AsInt(), 0);
  EXPECT_EQ(Redis().Command({"HGET", "pw:tcount", "queue:diagnostic"}).AsInt(), 0);
}

}  // namespace
}  // namespace postwork::testing
