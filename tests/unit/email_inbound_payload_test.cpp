// Incoming payload shapes and the unsubscribe token.
#include <gtest/gtest.h>

#include "handlers/email_common/unsubscribe_token.hpp"
#include "handlers/email_processing/incoming_message.hpp"
#include "mail/codec.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers::email {
namespace {

TEST(IncomingPayloadTest, SeedShapeWithThreadingHeadersAndAttachments) {
  auto in = IncomingEmailFromPayload(
      {{"from", "bob@lead.example"},
       {"to", "ana@sender.example"},
       {"subject", "Re: hi"},
       {"body", {{"plain", "a < b\nc"}}},
       {"headers",
        {{"In-Reply-To", "<x1@sender.example>"},
         {"References", "<x0@s.example> <x1@sender.example>"},
         {"Auto-Submitted", "auto-replied"}}},
       {"messageId", "<m1@lead.example>"},
       {"attachments", {{{"filename", "f.txt"}, {"content", mail::Base64Encode("hello")}}}}},
      1 << 20);
  EXPECT_EQ(in.message_id, "m1@lead.example");
  EXPECT_EQ(in.in_reply_to, "x1@sender.example");
  EXPECT_EQ(in.references, (std::vector<std::string>{"x0@s.example", "x1@sender.example"}));
  EXPECT_EQ(in.html, "<p>a &lt; b<br>\nc</p>");
  EXPECT_TRUE(in.is_auto_reply);
  ASSERT_EQ(in.attachments.size(), 1u);
  EXPECT_EQ(in.attachments[0].sha256_hex, mail::Sha256Hex("hello"));
  EXPECT_EQ(in.attachments[0].content_type, "application/octet-stream");
}

TEST(IncomingPayloadTest, AMessageWithoutIdGetsAStableDigestId) {
  nlohmann::json p = {{"from", "x@y.example"}, {"subject", "s"}, {"body", {{"plain", "t"}}}};
  auto a = IncomingEmailFromPayload(p, 1 << 20), b = IncomingEmailFromPayload(p, 1 << 20);
  EXPECT_EQ(a.message_id, b.message_id);
  EXPECT_NE(a.message_id.find("@no-message-id.postwork.invalid"), std::string::npos);
}

TEST(IncomingPayloadTest, MalformedPayloadsArePermanent) {
  EXPECT_THROW(IncomingEmailFromPayload(nlohmann::json::array(), 1 << 20), PermanentError);
  EXPECT_THROW(IncomingEmailFromPayload({{"body", "text"}}, 1 << 20), PermanentError);
  EXPECT_THROW(IncomingEmailFromPayload({{"attachments", {{{"content", "%%%"}}}}}, 1 << 20),
               PermanentError);
  EXPECT_THROW(IncomingEmailFromPayload({{"direction", "sideways"}}, 1 << 20), PermanentError);
  EXPECT_THROW(IncomingEmailFromPayload({{"raw", std::string(2048, 'x')}}, 1024), PermanentError);
}

TEST(UnsubscribeTokenTest, RoundTripsAndRejectsTampering) {
  UnsubscribeSubject s{.tenant_id = "t1", .lead_id = "lead-7", .campaign_id = "c-9"};
  std::string token = SignUnsubscribeToken("key", s);
  EXPECT_EQ(token.find_first_of("+/= "), std::string::npos);  // URL-safe
  auto back = VerifyUnsubscribeToken("key", token);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->lead_id, "lead-7");
  EXPECT_FALSE(VerifyUnsubscribeToken("other key", token));
  std::string forged =
      SignUnsubscribeToken("key", {.tenant_id = "t1", .lead_id = "lead-8", .campaign_id = "c-9"});
  std::string spliced = forged.substr(0, forged.find('.')) + token.substr(token.find('.'));
  EXPECT_FALSE(VerifyUnsubscribeToken("key", spliced));
  EXPECT_FALSE(VerifyUnsubscribeToken("key", "garbage"));
  EXPECT_EQ(UnsubscribeUrl("https://u.example/x", "T"), "https://u.example/x?token=T");
  EXPECT_EQ(UnsubscribeUrl("https://u.example/x?a=1", "T"), "https://u.example/x?a=1&token=T");
}

}  // namespace
}  // namespace postwork::handlers::email
