// `postwork supervise` scales worker processes with queue depth, restarts a
// crashed one, and stops all gracefully.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "devenv/process.hpp"
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
  // 40 ms a job: three workers of four slots take about ten seconds over the
  // backlog, long enough for three to be seen live on a slow (sanitizer) build,
  // where a worker takes seconds to start and `workers` seconds to answer.
  std::vector<nlohmann::json> jobs(3000, {{"sleep_ms", 40}});
  client.EnqueueMany("diagnostic", jobs);
  auto sup = StartPostwork({"supervise", "--min", "1", "--max", "3", "--high-water", "100",
                            "--low-water", "5", "--cooldown", "1", "--interval", "0.2",
                            "--queues", "diagnostic", "--", "--concurrency", "4"});
  int64_t most_live = 0;
  ASSERT_TRUE(WaitFor([&] {
    most_live = std::max(most_live, LiveWorkers());
    return most_live == 3;
  }, std::chrono::seconds(60))) << "most workers seen live at once: " << most_live;
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

// Reads one sample of a metric (no labels or exactly these) from /metrics.
double MetricValue(int port, const std::string& series) {
  httplib::Client http("127.0.0.1", port);
  auto res = http.Get("/metrics");
  if (!res) return -1;
  std::istringstream in(res->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(SuperviseTest, InProcessSlotsFollowQueueDepthBetweenMinAndMaxConcurrency) {
  ResetState();
  char tmpl[] = "/tmp/postwork-scaling-XXXXXX.toml";
  int fd = ::mkstemps(tmpl, 5);
  ASSERT_GE(fd, 0);
  std::string config = "[scaling]\nmin = 1\nmax = 5\nhigh_water = 20\nlow_water = 2\n";
  ASSERT_EQ(::write(fd, config.data(), config.size()), static_cast<ssize_t>(config.size()));
  ::close(fd);
  Client client(ClientOptions{.redis_url = Servers().redis_url,
                              .database_url = Servers().database_url});
  std::vector<nlohmann::json> jobs(300, {{"sleep_ms", 200}});
  client.EnqueueMany("diagnostic", jobs);
  int port = devenv::FreePort();
  auto worker = StartPostwork({"--config", tmpl, "worker", "--queues", "diagnostic",
                               "--min-concurrency", "1", "--max-concurrency", "16",
                               "--slot-cooldown", "0", "--http",
                               "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(WaitFor([&] { return MetricValue(port, "postwork_worker_slots{state=\"max\"}") == 16; }));
  // A backlog: the active slots grow past the minimum, and the fleet figure
  // asks for one more replica than the one live worker. Sampled until both
  // have shown: the figure is refreshed at most once a second and needs the
  // worker's first heartbeat, so on a busy machine the slots can grow first.
  double desired_seen = 0;
  ASSERT_TRUE(WaitFor([&] {
    desired_seen = std::max(desired_seen, MetricValue(port, "postwork_desired_replicas"));
    return MetricValue(port, "postwork_worker_slots{state=\"active\"}") > 4 &&
           desired_seen >= 2;
  }, std::chrono::seconds(60)));
  auto [code, out] = RunPostwork({"--config", tmpl, "stats", "--json"});
  ASSERT_EQ(code, 0) << out;
  auto stats = nlohmann::json::parse(out.substr(out.find('{')));
  EXPECT_EQ(stats["scaling"]["live_workers"], 1);
  EXPECT_EQ(stats["scaling"]["policy"]["high_water"], 20);
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt("SELECT count(*) FROM jobs WHERE status = 'completed'") == 300;
  }, std::chrono::seconds(120)));
  // Drained: back down to the minimum, and the fleet figure to [scaling].min.
  EXPECT_TRUE(WaitFor([&] {
    return MetricValue(port, "postwork_worker_slots{state=\"active\"}") == 1;
  }, std::chrono::seconds(60)));
  EXPECT_TRUE(WaitFor([&] { return MetricValue(port, "postwork_desired_replicas") == 1; }));
  EXPECT_EQ(desired_seen, 2);
  worker.Signal(SIGTERM);
  EXPECT_EQ(worker.Wait(std::chrono::seconds(30)), 0);
  ::unlink(tmpl);
}

TEST(SuperviseTest, BadAutoscalingFlagsExitTwo) {
  auto [c1, o1] = RunPostwork({"worker", "--min-concurrency", "4"});
  EXPECT_EQ(c1, 2) << o1;
  EXPECT_NE(o1.find("--max-concurrency"), std::string::npos) << o1;
  auto [c2, o2] = RunPostwork({"worker", "--min-concurrency", "8", "--max-concurrency", "2"});
  EXPECT_EQ(c2, 2) << o2;
  auto [c3, o3] = RunPostwork({"worker", "--concurrency", "3", "--min-concurrency", "1",
                               "--max-concurrency", "2"});
  EXPECT_EQ(c3, 2) << o3;
}

}  // namespace
}  // namespace postwork::testing
