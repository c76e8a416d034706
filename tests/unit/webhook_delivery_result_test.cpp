#include "webhook/delivery_result.hpp"

#include <gtest/gtest.h>

#include "webhook/delivery.hpp"
#include "webhook/event.hpp"

namespace postwork::webhook {
namespace {

TEST(WebhookClassifyStatus, SuccessRange) {
  for (long s : {200L, 201L, 202L, 204L, 299L}) EXPECT_EQ(ClassifyStatus(s), DeliveryKind::kDelivered) << s;
}

TEST(WebhookClassifyStatus, GoneDisablesEndpoint) {
  EXPECT_EQ(ClassifyStatus(410), DeliveryKind::kDisable);
}

TEST(WebhookClassifyStatus, RetryableStatuses) {
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L, 599L}) {
    EXPECT_EQ(ClassifyStatus(s), DeliveryKind::kRetry) << s;
  }
}

TEST(WebhookClassifyStatus, PermanentStatuses) {
  for (long s : {300L, 301L, 302L, 303L, 304L, 307L, 308L, 400L, 401L, 403L, 404L, 405L, 409L,
                 411L, 413L, 415L, 422L, 499L, 100L, 199L, 0L, 600L, 999L}) {
    EXPECT_EQ(ClassifyStatus(s), DeliveryKind::kPermanent) << s;
  }
}

TEST(WebhookClassifyStatus, KindNames) {
  EXPECT_EQ(ToString(DeliveryKind::kDelivered), "delivered");
  EXPECT_EQ(ToString(DeliveryKind::kRetry), "retry");
  EXPECT_EQ(ToString(DeliveryKind::kDisable), "disable");
  EXPECT_EQ(ToString(DeliveryKind::kPermanent), "permanent");
}

TEST(WebhookEventBody, ExactBytesAndKeyOrder) {
  Event event;
  event.id = "evt_123";
  event.type = "email.delivered";
  event.time = std::chrono::system_clock::time_point{std::chrono::seconds{1700000000}} +
               std::chrono::milliseconds{750};
  event.data = {{"message_id", "msg_1"}};
  EXPECT_EQ(BuildEventBody(event),
            R"({"id":"evt_123","type":"email.delivered","created_at":"2023-11-14T22:13:20Z","data":{"message_id":"msg_1"}})");
}

TEST(WebhookEventBody, EscapesStringsAndKeepsUtf8) {
  Event event;
  event.id = "evt_\"q\"";
  event.type = "t";
  event.data = {{"subject", "h\xc3\xa9llo\n"}};
  EXPECT_EQ(BuildEventBody(event),
            "{\"id\":\"evt_\\\"q\\\"\",\"type\":\"t\",\"created_at\":\"1970-01-01T00:00:00Z\","
            "\"data\":{\"subject\":\"h\xc3\xa9llo\\n\"}}");
}

TEST(WebhookEventBody, NullDataAndInvalidUtf8) {
  Event event;
  event.id = "e";
  event.type = "t";
  EXPECT_EQ(BuildEventBody(event),
            R"({"id":"e","type":"t","created_at":"1970-01-01T00:00:00Z","data":null})");
  event.data = {{"bad", "\xff"}};
  EXPECT_THROW(BuildEventBody(event), nlohmann::json::exception);
}

TEST(WebhookEventBody, CreatedAtFormatting) {
  using namespace std::chrono;
  EXPECT_EQ(FormatCreatedAt(system_clock::time_point{seconds{0}}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatCreatedAt(sys_days{year{2024} / 2 / 29} + hours{23} + minutes{59} + seconds{59}),
            "2024-02-29T23:59:59Z");
  EXPECT_EQ(FormatCreatedAt(system_clock::time_point{seconds{-1}}), "1969-12-31T23:59:59Z");
}

TEST(WebhookUserAgent, NamesProductAndVersion) {
  EXPECT_EQ(UserAgent(), std::string("postwork-webhook/") + POSTWORK_VERSION);
}

}  // namespace
}  // namespace postwork::webhook
