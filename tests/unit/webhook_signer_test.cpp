#include "webhook/signer.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "webhook/event.hpp"

namespace postwork::webhook {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

// Expected values below were computed outside this code base with
//   printf '%s' '<t>.<body>' | openssl dgst -sha256 -hmac '<secret>'
// and cross-checked with Python's hmac module.
constexpr char kSecret[] = "whsec_test_secret";
constexpr char kBody[] =
    R"({"id":"evt_123","type":"email.delivered","created_at":"2023-11-14T22:13:20Z","data":{"message_id":"msg_1"}})";
const sys_seconds kTimestamp{seconds{1700000000}};
constexpr char kExpectedHex[] = "796cf267d9713b9e6c9ba87def5014eddf667997916fab8663d52411e98eac4f";

TEST(WebhookSigner, HmacMatchesRfc4231TestCase2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookSigner, SignatureKnownAnswer) {
  EXPECT_EQ(ComputeSignature(kSecret, kTimestamp, kBody), kExpectedHex);
}

TEST(WebhookSigner, SignatureKnownAnswerEmptyBody) {
  EXPECT_EQ(ComputeSignature(kSecret, kTimestamp, ""),
            "316b9ab98c15bfa039d243f3196acee619cf29749a91a634e6a8154e2f7b6727");
}

TEST(WebhookSigner, SignatureKnownAnswerUtf8AndNewline) {
  const std::string body = "{\"subject\":\"h\xc3\xa9llo \xe2\x9c\x93\",\"lines\":\"a\nb\"}";
  EXPECT_EQ(ComputeSignature("another-Secret_42", sys_seconds{seconds{1712345678}}, body),
            "1fb5f8bfae1b56bf1853801b86ddcb6f515b4d6f8ee1b4148548f9ac4b115f2d");
}

TEST(WebhookSigner, HeaderFormat) {
  EXPECT_EQ(SignatureHeader(kSecret, kTimestamp, kBody),
            std::string("t=1700000000,v1=") + kExpectedHex);
}

TEST(WebhookSigner, EmptySecretIsRejected) {
  EXPECT_THROW(ComputeSignature("", kTimestamp, kBody), std::invalid_argument);
  EXPECT_THROW(Verify("t=1,v1=00", kBody, "", kTimestamp, seconds{300}), std::invalid_argument);
}

TEST(WebhookSigner, ErrorDoesNotContainSecret) {
  try {
    ComputeSignature("", kTimestamp, kBody);
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find(kSecret), std::string::npos);
  }
}

// The worked example in docs/webhooks.md; keep the two in sync.
TEST(WebhookSigner, DocsWorkedExample) {
  Event event;
  event.id = "evt_01HZX3Q4";
  event.type = "email.delivered";
  event.time = std::chrono::system_clock::time_point{seconds{1717171717}};
  event.data = nlohmann::json::object({{"message_id", "msg_8f2c"}, {"recipient", "ana@example.com"}});
  const std::string body = BuildEventBody(event);
  EXPECT_EQ(body,
            R"({"id":"evt_01HZX3Q4","type":"email.delivered","created_at":"2024-05-31T16:08:37Z","data":{"message_id":"msg_8f2c","recipient":"ana@example.com"}})");
  EXPECT_EQ(SignatureHeader("whsec_5f2b7c1d9e8a4f3b", sys_seconds{seconds{1717171717}}, body),
            "t=1717171717,v1=54f0ccdcf5177443625fa9557820c577c4d2739520b37284f66ca9b2600d0128");
}

TEST(WebhookVerify, AcceptsOwnSignature) {
  const std::string header = SignatureHeader(kSecret, kTimestamp, kBody);
  EXPECT_EQ(Verify(header, kBody, kSecret, kTimestamp, seconds{300}), VerifyResult::kValid);
}

TEST(WebhookVerify, AcceptsKnownAnswerHeader) {
  const std::string header = std::string("t=1700000000,v1=") + kExpectedHex;
  EXPECT_EQ(Verify(header, kBody, kSecret, kTimestamp + seconds{10}, seconds{300}),
            VerifyResult::kValid);
}

TEST(WebhookVerify, ToleranceBoundaryBothDirections) {
  const std::string header = SignatureHeader(kSecret, kTimestamp, kBody);
  EXPECT_EQ(Verify(header, kBody, kSecret, kTimestamp + seconds{300}, seconds{300}),
            VerifyResult::kValid);
  EXPECT_EQ(Verify(header, kBody, kSecret, kTimestamp + seconds{301}, seconds{300}),
            VerifyResult::kStale);
  EXPECT_EQ(Verify(header, kBody, kSecret, kTimestamp - seconds{300}, seconds{300}),
            VerifyResult::kValid);
  EXPECT_EQ(Verify(header, kBody, kSecret, kTimestamp - seconds{301}, seconds{300}),
            VerifyResult::kStale);
}

TEST(WebhookVerify, ZeroToleranceNeedsExactTime) {
  const std::string header = SignatureHeader(kSecret, kTimestamp, kBody);
  EXPECT_EQ(Verify(header, kBody, kSecret, kTimestamp, seconds{0}), VerifyResult::kValid);
  EXPECT_EQ(Verify(header, kBody, kSecret, kTimestamp + seconds{1}, seconds{0}),
            VerifyResult::kStale);
}

TEST(WebhookVerify, StaleIsReportedEvenWithValidMac) {
  // A replayed request carries a perfectly good MAC; only its age gives it away.
  const std::string header = SignatureHeader(kSecret, kTimestamp, kBody);
  EXPECT_EQ(Verify(header, kBody, kSecret, kTimestamp + seconds{86400}, seconds{300}),
            VerifyResult::kStale);
}

TEST(WebhookVerify, TamperedBodySecretOrTimestampMismatch) {
  const std::string header = SignatureHeader(kSecret, kTimestamp, kBody);
  std::string tampered = kBody;
  tampered[10] = 'X';
  EXPECT_EQ(Verify(header, tampered, kSecret, kTimestamp, seconds{300}), VerifyResult::kMismatch);
  EXPECT_EQ(Verify(header, kBody, "other-secret", kTimestamp, seconds{300}),
            VerifyResult::kMismatch);
  // Moving t= without re-signing breaks the MAC because t is inside it.
  const std::string shifted = std::string("t=1700000001,v1=") + kExpectedHex;
  EXPECT_EQ(Verify(shifted, kBody, kSecret, kTimestamp, seconds{300}), VerifyResult::kMismatch);
}

TEST(WebhookVerify, AnyOfSeveralV1EntriesMayMatch) {
  const std::string wrong(64, 'a');
  const std::string header = "t=1700000000,v1=" + wrong + ",v1=" + kExpectedHex;
  EXPECT_EQ(Verify(header, kBody, kSecret, kTimestamp, seconds{300}), VerifyResult::kValid);
  const std::string reversed = std::string("t=1700000000,v1=") + kExpectedHex + ",v1=" + wrong;
  EXPECT_EQ(Verify(reversed, kBody, kSecret, kTimestamp, seconds{300}), VerifyResult::kValid);
}

TEST(WebhookVerify, ToleratesWhitespaceUnknownKeysAndUpperCaseHex) {
  std::string upper = kExpectedHex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string header = " t=1700000000 , v0=whatever, v1=" + upper + " ";
  EXPECT_EQ(Verify(header, kBody, kSecret, kTimestamp, seconds{300}), VerifyResult::kValid);
}

TEST(WebhookVerify, MalformedHeaders) {
  const std::string v1 = std::string("v1=") + kExpectedHex;
  for (const std::string& header : {
           std::string(""),
           v1,                                             // no timestamp
           std::string("t=1700000000"),                    // no signature
           "t=," + v1,                                     // empty timestamp
           "t=abc," + v1,                                  // non-numeric
           "t=-1700000000," + v1,                          // negative
           "t=1700000000x," + v1,                          // trailing junk
           "t=99999999999999999999999," + v1,              // overflow
           "t=1700000000,t=1700000000," + v1,              // ambiguous
           std::string("garbage"),
       }) {
    EXPECT_EQ(Verify(header, kBody, kSecret, kTimestamp, seconds{300}), VerifyResult::kMalformed)
        << header;
  }
}

TEST(WebhookVerify, BadHexIsAMismatchNotAMatch) {
  for (const std::string& sig : {std::string(""), std::string(63, 'a'), std::string(65, 'a'),
                                 std::string(64, 'g'), std::string(kExpectedHex).substr(0, 32)}) {
    EXPECT_EQ(Verify("t=1700000000,v1=" + sig, kBody, kSecret, kTimestamp, seconds{300}),
              VerifyResult::kMismatch)
        << sig;
  }
}

TEST(WebhookVerify, ResultNames) {
  EXPECT_EQ(ToString(VerifyResult::kValid), "valid");
  EXPECT_EQ(ToString(VerifyResult::kMalformed), "malformed");
  EXPECT_EQ(ToString(VerifyResult::kStale), "stale");
  EXPECT_EQ(ToString(VerifyResult::kMismatch), "mismatch");
}

}  // namespace
}  // namespace postwork::webhook
