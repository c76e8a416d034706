#include "webhook/retry_after.hpp"

#include <gtest/gtest.h>

namespace postwork::webhook {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

// 2015-10-21T07:28:00Z (checked with `date -u -d @1445412480`).
const system_clock::time_point kNow = system_clock::time_point{seconds{1445412480}};

TEST(WebhookRetryAfter, DeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("7", kNow), seconds{7});
  EXPECT_EQ(ParseRetryAfter("0", kNow), seconds{0});
  EXPECT_EQ(ParseRetryAfter("120", kNow), seconds{120});
  EXPECT_EQ(ParseRetryAfter(" 30 ", kNow), seconds{30});
  EXPECT_EQ(ParseRetryAfter("\t30", kNow), seconds{30});
  EXPECT_EQ(ParseRetryAfter("007", kNow), seconds{7});
}

TEST(WebhookRetryAfter, HugeDeltaIsClamped) {
  EXPECT_EQ(ParseRetryAfter("31536000", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("31536001", kNow), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999999", kNow), kMaxRetryAfter);
}

TEST(WebhookRetryAfter, ImfFixdate) {
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", kNow), seconds{0});
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:29:30 GMT", kNow), seconds{90});
  EXPECT_EQ(ParseRetryAfter("Thu, 22 Oct 2015 07:28:00 GMT", kNow), seconds{86400});
}

TEST(WebhookRetryAfter, ObsoleteDateForms) {
  EXPECT_EQ(ParseRetryAfter("Wednesday, 21-Oct-15 07:30:00 GMT", kNow), seconds{120});  // RFC 850
  EXPECT_EQ(ParseRetryAfter("Wed Oct 21 07:30:00 2015", kNow), seconds{120});           // asctime
}

TEST(WebhookRetryAfter, SubSecondNowDoesNotShortenTheWait) {
  const auto later = kNow + std::chrono::milliseconds{999};
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", later), seconds{10});
}

TEST(WebhookRetryAfter, PastDateMeansNow) {
  EXPECT_EQ(ParseRetryAfter("Tue, 20 Oct 2015 07:28:00 GMT", kNow), seconds{0});
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kNow), seconds{0});
}

TEST(WebhookRetryAfter, FarFutureDateIsClamped) {
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", kNow), kMaxRetryAfter);
}

TEST(WebhookRetryAfter, Garbage) {
  for (const char* value : {"", " ", "-5", "+5", "5s", "1.5", "5 5", "soon", "tomorrow",
                            "0x10", "Wed, 99 Foo 2015 07:28:00 GMT"}) {
    EXPECT_EQ(ParseRetryAfter(value, kNow), std::nullopt) << value;
  }
}

}  // namespace
}  // namespace postwork::webhook
