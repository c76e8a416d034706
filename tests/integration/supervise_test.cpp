// `postwork supervise` scales worker processes with queue depth, restarts a
// crashed one, and stops all gracefully.
#include <gtest/gtest.h>
#include <signal.h>

#include "postwork/client.hpp"
#include "support/test_env.hpp"

namespace postwork::testing {
namespace {

int64_t LiveWorkers() {
  auto [code, out] = RunPostwork({"workers", "--json"});
  auto j = nlohmann::json::parse(out.substr(out.find('[')), nullptr, false);
  return j.is_array() ? static_cast<int64_t>(j.size()) : -1;
}

TEST(SuperviseTest, ScalesUpWithDepthDownWhenDrainedRestartsCrashesStopsCleanly) {
  ResetState();
  Client client(ClientOptions{.redis_url = Servers().redis_url,
                              .database_url = Servers().database_url});
  std::vector<nlohmann::json> jobs(3000, {{"sleep_ms", 10}});
  client.EnqueueMany("diagnostic", jobs);
  auto sup = StartPostwork({"supervise", "--min", "1", "--max", "3", "--high-water", "100",
                            "--low-water", "5", "--cooldown", "1", "--interval", "0.2",
                            "--queues", "diagnostic", "--", "--concurrency", "4"});
  ASSERT_TRUE(WaitFor([&] { return LiveWorkers() == 3; }, std::chrono::seconds(60)));
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt("SELECT count(*) FROM jobs WHERE status = 'completed'") == 3000;
  }, std::chrono::seconds(120)));
  // Drained: back down to the minimum (retired workers deregister on exit).
  ASSERT_TRUE(WaitFor([&] { return LiveWorkers() == 1; }, std::chrono::seconds(60)));
  // A crashed worker is replaced.
  auto [code, out] = RunPostwork({"workers", "--json"});
  auto list = nlohmann::json::parse(out.substr(out.find('[')));
  int pid = list[0]["pid"].get<int>();
  ::kill(pid, SIGKILL);
  ASSERT_TRUE(WaitFor([&] {
    auto [c, o] = RunPostwork({"workers", "--json"});
    return o.find("\"pid\": " + std::to_string(pid)) == std::string::npos &&
           o.find("\"pid\"") != std::string::npos;
  }, std::chrono::seconds(60)));
  sup.Signal(SIGTERM);
  EXPECT_EQ(sup.Wait(std::chrono::seconds(60)), 0);
  EXPECT_TRUE(WaitFor([&] { return LiveWorkers() == 0; }, std::chrono::seconds(30)));
}

}  // namespace
}  // namespace postwork::testing
