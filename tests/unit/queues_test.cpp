#include "core/queues.hpp"

#include <gtest/gtest.h>

#include <map>

#include "postwork/error.hpp"

namespace postwork::core {

TEST(Queues, DefaultOrderIsTheSeeds) {
  const auto& q = DefaultQueues();
  ASSERT_EQ(q.size(), 10u);
  EXPECT_EQ(q.front(), "queue:email:processing:high");
  EXPECT_EQ(q[3], "queue:email-sending:high");
  EXPECT_EQ(q.back(), "queue:webhook:process");
}

TEST(Queues, AcceptsNamesWithOrWithoutPrefix) {
  EXPECT_EQ(NormalizeQueueName("email-sending"), "queue:email-sending");
  EXPECT_EQ(NormalizeQueueName("queue:email-sending"), "queue:email-sending");
  EXPECT_EQ(ParseQueueList("diagnostic, email-sending:high"),
            (std::vector<std::string>{"queue:diagnostic", "queue:email-sending:high"}));
}

TEST(Queues, RejectsBadNames) {
  EXPECT_THROW(NormalizeQueueName(""), ConfigError);
  EXPECT_THROW(NormalizeQueueName("a b"), ConfigError);
  EXPECT_THROW(ParseQueueList("a,,b"), ConfigError);
  EXPECT_THROW(ParseQueueList("a,queue:a"), ConfigError);
  EXPECT_THROW(ParseQueueOrder("random"), ConfigError);
}

TEST(Queues, WeightedOrderFavoursHighButServesLow) {
  std::vector<std::string> q = {"a", "b", "c"};
  std::mt19937_64 rng(1);
  std::map<std::string, int> first;
  for (int i = 0; i < 7000; ++i) first[OrderForFetch(q, QueueOrder::kWeighted, rng)[0]]++;
  EXPECT_GT(first["a"], first["b"]);
  EXPECT_GT(first["b"], first["c"]);
  EXPECT_GT(first["c"], 500);  // ~1/7 of the time the lowest queue goes first
  EXPECT_EQ(OrderForFetch(q, QueueOrder::kStrict, rng), q);
}

}  // namespace postwork::core
