#include "app/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "postwork/error.hpp"

namespace postwork::app {
namespace {
std::string WriteTemp(const std::string& text) {
  char tmpl[] = "/tmp/postwork-config-XXXXXX";
  int fd = ::mkstemp(tmpl);
  ::close(fd);
  std::ofstream(tmpl) << text;
  return tmpl;
}
}  // namespace

TEST(Config, ReadsFileThenEnvironmentWins) {
  auto path = WriteTemp(R"(
redis_url = "redis://file:1"
database_url = "postgresql://file/db"
[worker]
concurrency = 7
queues = ["diagnostic", "email-sending"]
queue_order = "weighted"
[queues."email-sending"]
max_attempts = 9
timeout_seconds = 60
[[cron]]
name = "daily"
schedule = "15 0 * * *"
queue = "analytics:daily-aggregate"
payload = { scope = "all" }
)");
  ::setenv("POSTWORK_REDIS_URL", "redis://env:2", 1);
  Config c = LoadConfig(path);
  ::unsetenv("POSTWORK_REDIS_URL");
  EXPECT_EQ(c.redis_url, "redis://env:2");
  EXPECT_EQ(c.database_url, "postgresql://file/db");
  EXPECT_EQ(c.worker.concurrency, 7);
  EXPECT_EQ(c.worker.queues,
            (std::vector<std::string>{"queue:diagnostic", "queue:email-sending"}));
  EXPECT_EQ(c.worker.order, core::QueueOrder::kWeighted);
  EXPECT_EQ(c.worker.max_attempts_by_queue["queue:email-sending"], 9);
  EXPECT_EQ(c.worker.timeout_seconds_by_queue["queue:email-sending"], 60);
  ASSERT_EQ(c.worker.cron.size(), 1u);
  EXPECT_EQ(c.worker.cron[0].queue, "queue:analytics:daily-aggregate");
  EXPECT_EQ(c.worker.cron[0].payload["scope"], "all");
  ::unlink(path.c_str());
}

TEST(Config, BadValuesNameTheSetting) {
  auto path = WriteTemp("[worker]\nconcurrency = \"many\"\n");
  try {
    LoadConfig(path);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("worker.concurrency"), std::string::npos);
  }
  auto broken = WriteTemp("this is = = not toml");
  EXPECT_THROW(LoadConfig(broken), ConfigError);
  auto cron = WriteTemp("[[cron]]\nname='x'\nschedule='99 * * * *'\nqueue='q'\n");
  EXPECT_THROW(LoadConfig(cron), ConfigError);
  ::unlink(path.c_str());
  ::unlink(broken.c_str());
  ::unlink(cron.c_str());
}

}  // namespace postwork::app

namespace postwork::app {
namespace {
TEST(Config, DashboardListenAndTokenFromFileTokenFromEnvironmentWins) {
  auto path = WriteTemp(R"(
[dashboard]
listen = "127.0.0.1:9999"
token = "from-file"
)");
  Config c = LoadConfig(path);
  EXPECT_EQ(c.dashboard_listen, "127.0.0.1:9999");
  EXPECT_EQ(c.dashboard_token, "from-file");
  ::setenv("POSTWORK_DASHBOARD_TOKEN", "from-env", 1);
  Config e = LoadConfig(path);
  ::unsetenv("POSTWORK_DASHBOARD_TOKEN");
  ::unlink(path.c_str());
  EXPECT_EQ(e.dashboard_token, "from-env");
  EXPECT_EQ(LoadConfig(std::nullopt).dashboard_listen, "127.0.0.1:8080");
  EXPECT_EQ(LoadConfig(std::nullopt).dashboard_token, "");
}
}  // namespace
}  // namespace postwork::app
