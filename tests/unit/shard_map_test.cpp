// Queue sharding: which Redis a queue lives on, and fetch runs that keep
// strict priority across shards.
#include "redis/shard_map.hpp"

#include <gtest/gtest.h>

#include "postwork/error.hpp"
#include "redis/url.hpp"

namespace postwork::redis {
namespace {

RedisUrl WithShards(const std::string& list) {
  RedisUrl u{.host = "10.0.0.1", .port = 6379};
  u.shards = ParseShardList(list);
  return u;
}

TEST(ShardList, ParsesPatternsAndNormalizesQueueNames) {
  auto s = ParseShardList(
      " email-sending* = redis://10.0.0.2:6380/1 ;queue:webhook:process=redis://:pw@10.0.0.3;");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].pattern, "queue:email-sending*");
  EXPECT_EQ(s[0].url.host, "10.0.0.2");
  EXPECT_EQ(s[0].url.port, 6380);
  EXPECT_EQ(s[0].url.db, 1);
  EXPECT_EQ(s[1].pattern, "queue:webhook:process");
  EXPECT_EQ(s[1].url.password, "pw");
}

TEST(ShardList, RejectsBadEntriesWithoutShowingPasswords) {
  EXPECT_THROW(ParseShardList("email-sending"), ConfigError);
  EXPECT_THROW(ParseShardList("*=redis://h"), ConfigError);
  EXPECT_THROW(ParseShardList("a*b=redis://h"), ConfigError);
  EXPECT_THROW(ParseShardList("a=redis://h;queue:a=redis://g"), ConfigError);
  try {
    ParseShardList("email-sending*=redis://u:topsecret@h:notaport");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos) << e.what();
  }
}

TEST(ShardMap, ExactNamesBeatPrefixesAndTheLongestPrefixWins) {
  ShardMap map(
      WithShards("email*=redis://10.0.0.2;email-sending*=redis://10.0.0.3;email-sending:low=redis:/"
                 "/10.0.0.4"));
  ASSERT_EQ(map.size(), 4u);
  EXPECT_EQ(map.ShardOf("queue:warmup:process"), 0u);
  EXPECT_EQ(map.ShardOf("queue:email:processing"), 1u);
  EXPECT_EQ(map.ShardOf("queue:email-sending"), 2u);
  EXPECT_EQ(map.ShardOf("queue:email-sending:high"), 2u);
  EXPECT_EQ(map.ShardOf("queue:email-sending:low"), 3u);
  EXPECT_EQ(map.url(3).host, "10.0.0.4");
}

TEST(ShardMap, PatternsOnOneServerShareAShardAndTheDefaultServerIsShardZero) {
  ShardMap map(WithShards("a=redis://10.0.0.2;b=redis://10.0.0.2;c=redis://10.0.0.1:6379"));
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(map.ShardOf("queue:a"), 1u);
  EXPECT_EQ(map.ShardOf("queue:b"), 1u);
  EXPECT_EQ(map.ShardOf("queue:c"), 0u);
  EXPECT_TRUE(map.url(0).shards.empty());
}

TEST(ShardMap, RunsKeepThePriorityOrder) {
  ShardMap map(WithShards("email-sending*=redis://10.0.0.2"));
  auto runs =
      map.Runs({"queue:email:processing:high", "queue:email:processing", "queue:email-sending:high",
                "queue:email-sending", "queue:warmup:process", "queue:webhook:process"});
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].first, 0u);
  EXPECT_EQ(runs[0].second.size(), 2u);
  EXPECT_EQ(runs[1].first, 1u);
  EXPECT_EQ(runs[1].second,
            (std::vector<std::string>{"queue:email-sending:high", "queue:email-sending"}));
  EXPECT_EQ(runs[2].first, 0u);
  EXPECT_EQ(runs[2].second.size(), 2u);
  // Unsharded: one run, the whole list.
  ShardMap single(RedisUrl{});
  EXPECT_EQ(single.Runs({"queue:a", "queue:b"}).size(), 1u);
  EXPECT_EQ(single.Describe(), "default=127.0.0.1:6379/0");
}

}  // namespace
}  // namespace postwork::redis
