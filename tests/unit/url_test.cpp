#include <gtest/gtest.h>

#include "app/log.hpp"
#include "pg/connection.hpp"
#include "postwork/error.hpp"
#include "redis/url.hpp"

namespace postwork {

TEST(RedisUrl, ParsesEveryPart) {
  auto u = redis::ParseRedisUrl("redis://alice:s3cret@cache.local:6380/4");
  EXPECT_EQ(u.host, "cache.local");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.user, "alice");
  EXPECT_EQ(u.password, "s3cret");
  EXPECT_EQ(u.db, 4);
  auto d = redis::ParseRedisUrl("redis://127.0.0.1");
  EXPECT_EQ(d.port, 6379);
  EXPECT_EQ(d.db, 0);
}

TEST(RedisUrl, ErrorsNameTheProblemAndHideThePassword) {
  try {
    redis::ParseRedisUrl("redis://u:topsecret@host:notaport");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("port"), std::string::npos);
    EXPECT_EQ(msg.find("topsecret"), std::string::npos);
  }
  EXPECT_THROW(redis::ParseRedisUrl("http://host"), ConfigError);
  EXPECT_THROW(redis::ParseRedisUrl("redis://host:0"), ConfigError);
  EXPECT_THROW(redis::ParseRedisUrl("redis://"), ConfigError);
}

TEST(Masking, HidesPasswordsInUrlsAndParameters) {
  EXPECT_EQ(redis::MaskUrl("redis://u:pw@h:1/0"), "redis://u:***@h:1/0");
  EXPECT_EQ(pg::MaskUrl("postgresql://bob:hunter2@db/x"), "postgresql://bob:***@db/x");
  std::string line = log::MaskSecrets("connect postgresql://bob:hunter2@db/x password=abc ok");
  EXPECT_EQ(line.find("hunter2"), std::string::npos);
  EXPECT_EQ(line.find("abc"), std::string::npos);
  EXPECT_NE(line.find("bob"), std::string::npos);
}

}  // namespace postwork
