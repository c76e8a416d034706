#include "core/cron.hpp"

#include <gtest/gtest.h>

#include "postwork/error.hpp"

namespace postwork::core {
namespace {
constexpr int64_t kMidnight = 1795824000;  // 2026-11-28T00:00:00Z (a Saturday)
}

TEST(Cron, DailyAtQuarterPast) {
  auto s = CronSchedule::Parse("15 0 * * *");
  EXPECT_EQ(s.Next(kMidnight), kMidnight + 15 * 60);
  EXPECT_EQ(s.Next(kMidnight + 15 * 60), kMidnight + 86400 + 15 * 60);
}

TEST(Cron, StepsListsAndRanges) {
  auto every15 = CronSchedule::Parse("*/15 * * * *");
  EXPECT_EQ(every15.Next(kMidnight + 1), kMidnight + 15 * 60);
  auto list = CronSchedule::Parse("5,10 9-10 * * *");
  EXPECT_EQ(list.Next(kMidnight), kMidnight + 9 * 3600 + 5 * 60);
  EXPECT_EQ(list.Next(kMidnight + 9 * 3600 + 10 * 60), kMidnight + 10 * 3600 + 5 * 60);
}

TEST(Cron, DayOfWeekIncludingSevenAsSunday) {
  auto sunday = CronSchedule::Parse("0 12 * * 7");
  EXPECT_EQ(sunday.Next(kMidnight), kMidnight + 86400 + 12 * 3600);  // Sunday 29th
}

TEST(Cron, RejectsNonsense) {
  EXPECT_THROW(CronSchedule::Parse("* * * *"), ConfigError);
  EXPECT_THROW(CronSchedule::Parse("60 * * * *"), ConfigError);
  EXPECT_THROW(CronSchedule::Parse("a * * * *"), ConfigError);
  EXPECT_THROW(CronSchedule::Parse("*/0 * * * *"), ConfigError);
}

}  // namespace postwork::core
