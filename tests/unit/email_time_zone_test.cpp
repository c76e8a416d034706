// TZif reading and the POSIX TZ rules, against the system tz database.
#include <gtest/gtest.h>

#include "handlers/email_common/time_zone.hpp"

namespace postwork::handlers::email {
namespace {
using namespace std::chrono;

sys_seconds Utc(int y, unsigned m, unsigned d, int h, int min = 0) {
  return sys_seconds{sys_days{year{y} / m / d}} + hours{h} + minutes{min};
}
local_seconds Local(int y, unsigned m, unsigned d, int h, int min = 0) {
  return local_seconds{local_days{year{y} / m / d}} + hours{h} + minutes{min};
}

TEST(TimeZoneTest, NewYorkFollowsDaylightSavingInBothDirections) {
  auto ny = TimeZone::Load("America/New_York");
  EXPECT_EQ(ny->OffsetAt(Utc(2025, 1, 15, 12)), -5 * 3600);
  EXPECT_EQ(ny->OffsetAt(Utc(2025, 7, 15, 12)), -4 * 3600);
  // 2025-03-09 02:00 EST -> 03:00 EDT happens at 07:00 UTC.
  EXPECT_EQ(ny->OffsetAt(Utc(2025, 3, 9, 6, 59)), -5 * 3600);
  EXPECT_EQ(ny->OffsetAt(Utc(2025, 3, 9, 7, 0)), -4 * 3600);
  // Far past the table's end the footer rule still applies.
  EXPECT_EQ(ny->OffsetAt(Utc(2090, 7, 1, 12)), -4 * 3600);
  EXPECT_EQ(ny->OffsetAt(Utc(2090, 12, 1, 12)), -5 * 3600);
}

TEST(TimeZoneTest, LocalTimesInTheGapAndTheOverlapMapSensibly) {
  auto ny = TimeZone::Load("America/New_York");
  EXPECT_EQ(ny->ToUtc(Local(2025, 6, 1, 9)), Utc(2025, 6, 1, 13));
  // 02:30 does not exist on 2025-03-09: it reads as 03:30 EDT.
  EXPECT_EQ(ny->ToUtc(Local(2025, 3, 9, 2, 30)), Utc(2025, 3, 9, 7, 30));
  // 01:30 happens twice on 2025-11-02: the first (EDT) is chosen.
  EXPECT_EQ(ny->ToUtc(Local(2025, 11, 2, 1, 30)), Utc(2025, 11, 2, 5, 30));
  EXPECT_EQ(ny->ToLocal(Utc(2025, 6, 1, 13)), Local(2025, 6, 1, 9));
}

TEST(TimeZoneTest, SouthernHemisphereAndFixedZones) {
  auto sydney = TimeZone::Load("Australia/Sydney");
  EXPECT_EQ(sydney->OffsetAt(Utc(2025, 1, 15, 0)), 11 * 3600);
  EXPECT_EQ(sydney->OffsetAt(Utc(2025, 7, 15, 0)), 10 * 3600);
  EXPECT_EQ(TimeZone::Load("Asia/Kolkata")->OffsetAt(Utc(2025, 7, 15, 0)), 5 * 3600 + 1800);
  EXPECT_EQ(TimeZone::Load("UTC")->OffsetAt(Utc(2025, 7, 15, 0)), 0);
}

TEST(TimeZoneTest, PosixRulesParseLikeTheFootersInTzif) {
  auto eu = PosixTzRule::Parse("CET-1CEST,M3.5.0,M10.5.0/3");
  EXPECT_EQ(eu.std_offset_s, 3600);
  EXPECT_EQ(eu.dst_offset_s, 7200);
  // Last Sunday of March 2030 is the 31st; 01:00 UTC is the switch.
  EXPECT_EQ(eu.OffsetAt(Utc(2030, 3, 31, 0, 59).time_since_epoch().count()), 3600);
  EXPECT_EQ(eu.OffsetAt(Utc(2030, 3, 31, 1, 0).time_since_epoch().count()), 7200);
  EXPECT_EQ(PosixTzRule::Parse("<+0530>-5:30").std_offset_s, 5 * 3600 + 1800);
  EXPECT_FALSE(PosixTzRule::Parse("JST-9").has_dst);
  EXPECT_THROW(PosixTzRule::Parse("X"), std::invalid_argument);
  EXPECT_THROW(PosixTzRule::Parse("EST5EDT,M13.1.0,M11.1.0"), std::invalid_argument);
}

TEST(TimeZoneTest, UnknownOrUnsafeNamesAreRefused) {
  EXPECT_THROW(TimeZone::Load("Mars/Olympus_Mons"), std::invalid_argument);
  EXPECT_THROW(TimeZone::Load("../../etc/passwd"), std::invalid_argument);
  EXPECT_THROW(TimeZone::Load("/etc/localtime"), std::invalid_argument);
  EXPECT_THROW(TimeZone::FromTzif("x", "not a tzif file at all, really not"),
               std::invalid_argument);
}

}  // namespace
}  // namespace postwork::handlers::email
