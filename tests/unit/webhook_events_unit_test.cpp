// Pure logic of the webhook events, unsubscribe routing and daily analytics.
#include <gtest/gtest.h>

#include "app/config.hpp"
#include "handlers/analytics/analytics_date.hpp"
#include "handlers/webhook/event_publisher.hpp"
#include "handlers/webhook/webhook_settings.hpp"
#include "http/unsubscribe_server.hpp"
#include "postwork/error.hpp"

namespace postwork {
namespace {
using namespace handlers;

TEST(WebhookEventId, IsDeterministicAndDependsOnTypeTenantAndSource) {
  auto id = webhook::EventId("email.sent", "t1", "d1");
  EXPECT_EQ(id, webhook::EventId("email.sent", "t1", "d1"));
  EXPECT_EQ(id.rfind("evt_", 0), 0u);
  EXPECT_EQ(id.size(), 36u);
  EXPECT_NE(id, webhook::EventId("email.bounced", "t1", "d1"));
  EXPECT_NE(id, webhook::EventId("email.sent", "t2", "d1"));
  EXPECT_NE(id, webhook::EventId("email.sent", "t1", "d2"));
  // The separator keeps fields apart: ("a", "b\nc") is not ("a\nb", "c").
  EXPECT_NE(webhook::EventId("x", "a", "b\nc"), webhook::EventId("x", "a\nb", "c"));
  EXPECT_EQ(webhook::DeliveryJobId(id, "e1"), "webhook:" + id + ":e1");
}

TEST(WebhookSettings, RefusesAMalformedAllowlistEntry) {
  webhook::WebhookSettings s;
  s.allowlist = {"127.0.0.1", "10.0.0.0/8"};
  EXPECT_NO_THROW(s.Validate());
  s.allowlist = {"10.0.0.1/8"};
  EXPECT_THROW(s.Validate(), ConfigError);
}

TEST(AnalyticsDate, ParsesOnlyRealDatesInTheStrictForm) {
  EXPECT_EQ(analytics::FormatDay(*analytics::ParseDay("2024-02-29")), "2024-02-29");
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-2-01", "2024-02-1", "24-02-01",
                          "2024/02/01", "2024-02-01T00", "", "1969-12-31", "abcd-ef-gh"}) {
    EXPECT_FALSE(analytics::ParseDay(bad).has_value()) << bad;
  }
}

TEST(AnalyticsDate, TheDayBeforeATickAndTheTickOfACronJobId) {
  // 2024-03-11T00:05:00Z and 2024-03-11T00:00:00Z both aggregate 03-10.
  EXPECT_EQ(analytics::FormatDay(analytics::DayBefore(1710115500000)), "2024-03-10");
  EXPECT_EQ(analytics::FormatDay(analytics::DayBefore(1710115200000)), "2024-03-10");
  EXPECT_EQ(analytics::CronTickSeconds("cron:analytics-daily:1710115500"), 1710115500);
  EXPECT_EQ(analytics::CronTickSeconds("cron:a:b:17"), 17);
  EXPECT_FALSE(analytics::CronTickSeconds("analytics:2024-03-10").has_value());
  EXPECT_FALSE(analytics::CronTickSeconds("cron:x:").has_value());
  EXPECT_FALSE(analytics::CronTickSeconds("cron:x:12a").has_value());
}

TEST(UnsubscribePath, IsThePathOfTheBaseUrl) {
  EXPECT_EQ(http::UnsubscribePath("https://u.example/x/unsub?a=1"), "/x/unsub");
  EXPECT_EQ(http::UnsubscribePath("https://u.example/u/"), "/u");
  EXPECT_EQ(http::UnsubscribePath("https://u.example"), "/unsubscribe");
  EXPECT_EQ(http::UnsubscribePath(""), "/unsubscribe");
}

TEST(ConfigAnalytics, TheDailyCronIsBuiltInUnlessDisabledOrReplaced) {
  auto c = app::ParseConfigText("");
  ASSERT_EQ(c.worker.cron.size(), 1u);
  EXPECT_EQ(c.worker.cron[0].name, "analytics-daily");
  EXPECT_EQ(c.worker.cron[0].queue, "queue:analytics:daily-aggregate");
  EXPECT_EQ(c.worker.cron[0].schedule.expr(), "5 0 * * *");
  EXPECT_TRUE(app::ParseConfigText("[analytics]\ndaily_cron = false\n").worker.cron.empty());
  auto moved = app::ParseConfigText("[analytics]\nschedule = \"30 1 * * *\"\n");
  EXPECT_EQ(moved.worker.cron.at(0).schedule.expr(), "30 1 * * *");
  auto own = app::ParseConfigText(
      "[[cron]]\nname = \"mine\"\nschedule = \"0 2 * * *\"\nqueue = \"analytics:daily-aggregate\"\n");
  ASSERT_EQ(own.worker.cron.size(), 1u);
  EXPECT_EQ(own.worker.cron[0].name, "mine");
  auto hooks = app::ParseConfigText("[webhook]\nallowlist = [\"127.0.0.1\"]\nmax_attempts = 3\n");
  EXPECT_EQ(hooks.webhook.allowlist, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(hooks.webhook.max_attempts, 3);
  EXPECT_THROW(app::ParseConfigText("[webhook]\nallowlist = \"127.0.0.1\"\n"), ConfigError);
}

}  // namespace
}  // namespace postwork
