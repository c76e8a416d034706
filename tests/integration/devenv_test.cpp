// The private servers tests and `postwork dev` start: a server that cannot
// bind its port must not take another server on that port for itself (test
// binaries start servers in parallel; a port picked as free can be taken
// before the server binds it).
#include <gtest/gtest.h>
#include <stdlib.h>

#include "devenv/servers.hpp"
#include "pg/connection.hpp"
#include "redis/connection.hpp"
#include "support/test_env.hpp"

namespace postwork::testing {
namespace {

class DevenvTest : public ::testing::Test {
 protected:
  ScratchDir dir_{"devenv"};
};

TEST_F(DevenvTest, RedisOnATakenPortFailsInsteadOfAdoptingTheOtherServer) {
  int taken = redis::ParseRedisUrl(Servers().redis_url).port;
  devenv::RedisServer second(devenv::RedisServerOptions{.dir = dir_ / "r", .port = taken});
  try {
    second.Start();
    FAIL() << "Start() returned although port " << taken << " belongs to another Redis";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("did not start on port " + std::to_string(taken)),
              std::string::npos)
        << e.what();
  }
  // The other server is untouched.
  redis::Connection other(redis::ParseRedisUrl(Servers().redis_url));
  EXPECT_EQ(other.Command({"PING"}).str, "PONG");
}

TEST_F(DevenvTest, PostgresOnATakenPortFailsInsteadOfAdoptingTheOtherServer) {
  const std::string& url = Servers().database_url;
  auto colon = url.rfind(':');
  int taken = std::atoi(url.c_str() + colon + 1);
  ASSERT_GT(taken, 0) << url;
  devenv::PostgresServer second(devenv::PostgresServerOptions{
      .data_dir = dir_ / "pg" / "data", .port = taken, .fsync = false});
  try {
    second.Start();
    FAIL() << "Start() returned although port " << taken << " belongs to another PostgreSQL";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("did not start on port " + std::to_string(taken)),
              std::string::npos)
        << e.what();
  }
  pg::Connection other(url);
  EXPECT_EQ(other.Exec("SELECT 1").Get(0, 0), "1");
}

TEST_F(DevenvTest, AnAutomaticPortIsOursAndARestartKeepsIt) {
  devenv::RedisServer redis(devenv::RedisServerOptions{.dir = dir_ / "r"});
  redis.Start();
  int port = redis.port();
  redis.Restart();
  EXPECT_EQ(redis.port(), port);
  redis::Connection conn(redis::ParseRedisUrl(redis.url()));
  auto info = conn.Command({"INFO", "server"}).str;
  EXPECT_NE(info.find("process_id:" + std::to_string(redis.pid()) + "\r"), std::string::npos)
      << info;
}

}  // namespace
}  // namespace postwork::testing
