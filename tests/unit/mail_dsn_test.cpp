// RFC 3464 bounce parsing on invented but realistic samples of the major MTAs
// (tests/data/dsn/) and on garbage.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "mail/dsn.hpp"
#include "mail/mail_error.hpp"

namespace postwork::mail {
namespace {

std::string Sample(const std::string& name) {
  std::ifstream in(std::string(POSTWORK_SOURCE_DIR) + "/tests/data/dsn/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(MailDsn, GmailNoSuchUserIsHard) {
  ParsedMessage m = ParseMessage(Sample("gmail.eml"));
  EXPECT_TRUE(m.is_dsn);
  EXPECT_FALSE(m.is_auto_reply);
  DsnReport r = ParseDsn(m);
  EXPECT_EQ(r.reporting_mta, "googlemail.com");
  EXPECT_EQ(r.original_message_id, "20251014161230.9f3c2a71b0e4@sender.example");
  ASSERT_EQ(r.recipients.size(), 1u);
  const DsnRecipient& rc = r.recipients[0];
  EXPECT_EQ(rc.final_recipient, "no.such.user@gmail.com");
  EXPECT_EQ(rc.action, DsnAction::kFailed);
  EXPECT_EQ(rc.status, "5.1.1");
  EXPECT_EQ(rc.remote_mta, "gmail-smtp-in.l.google.com");
  EXPECT_EQ(rc.diagnostic_code.rfind("550-5.1.1 The email account that you tried to reach does not exist.", 0), 0u)
      << rc.diagnostic_code;
  EXPECT_NE(rc.diagnostic_code.find("- gsmtp"), std::string::npos) << "folded lines are joined";
  EXPECT_EQ(rc.bounce, BounceClass::kHard);
}

TEST(MailDsn, OutlookRecipientNotFoundIsHard) {
  DsnReport r = ParseDsn(Sample("outlook.eml"));
  EXPECT_EQ(r.reporting_mta, "DM6PR11MB1234.namprd11.prod.outlook.com");
  EXPECT_EQ(r.original_message_id, "b7d1e9f04c2a@sender.example");
  ASSERT_EQ(r.recipients.size(), 1u);
  const DsnRecipient& rc = r.recipients[0];
  EXPECT_EQ(rc.final_recipient, "nobody@contoso.example");
  EXPECT_EQ(rc.original_recipient, "nobody@contoso.example");
  EXPECT_EQ(rc.status, "5.1.10");
  EXPECT_EQ(rc.diagnostic_code,
            "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup");
  EXPECT_EQ(rc.bounce, BounceClass::kHard);
}

TEST(MailDsn, PostfixReportsEveryRecipient) {
  DsnReport r = ParseDsn(Sample("postfix.eml"));
  EXPECT_EQ(r.reporting_mta, "mail.sender.example");
  EXPECT_EQ(r.original_message_id, "c0ffee1234@sender.example");
  ASSERT_EQ(r.recipients.size(), 2u);
  EXPECT_EQ(r.recipients[0].final_recipient, "ghost@rcpt.example");
  EXPECT_EQ(r.recipients[0].status, "5.1.1");
  EXPECT_EQ(r.recipients[0].remote_mta, "mx.rcpt.example");
  EXPECT_EQ(r.recipients[0].diagnostic_code,
            "550 5.1.1 <ghost@rcpt.example>: Recipient address rejected: User unknown in virtual "
            "mailbox table");
  EXPECT_EQ(r.recipients[0].bounce, BounceClass::kHard);
  EXPECT_EQ(r.recipients[1].final_recipient, "full@rcpt.example");
  EXPECT_EQ(r.recipients[1].status, "5.2.2");
  EXPECT_EQ(r.recipients[1].bounce, BounceClass::kHard);
}

TEST(MailDsn, PostfixDelayIsSoft) {
  DsnReport r = ParseDsn(Sample("postfix_delayed.eml"));
  EXPECT_EQ(r.original_message_id, "deadbeef42@sender.example");
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].action, DsnAction::kDelayed);
  EXPECT_EQ(r.recipients[0].status, "4.4.1");
  EXPECT_EQ(r.recipients[0].bounce, BounceClass::kSoft);
  EXPECT_EQ(r.recipients[0].diagnostic_code,
            "connect to mx.slow.example[192.0.2.44]:25: Connection timed out");
}

TEST(MailDsn, EximPlainTextBounceUsesFailedRecipientsHeader) {
  ParsedMessage m = ParseMessage(Sample("exim.eml"));
  EXPECT_FALSE(m.is_dsn);
  DsnReport r = ParseDsn(m);
  EXPECT_EQ(r.original_message_id, "5a5a5a5a01@sender.example");
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].final_recipient, "nobody@rcpt.example");
  EXPECT_EQ(r.recipients[0].action, DsnAction::kFailed);
  EXPECT_EQ(r.recipients[0].status, "5.1.1");
  EXPECT_EQ(r.recipients[0].diagnostic_code,
            "550 5.1.1 <nobody@rcpt.example>: Recipient address rejected: User unknown");
  EXPECT_EQ(r.recipients[0].bounce, BounceClass::kHard);
}

TEST(MailDsn, MissingStatusFallsBackToDiagnosticCodeThenAction) {
  DsnReport r = ParseDsn(Sample("no_status.eml"));
  EXPECT_EQ(r.reporting_mta, "legacy.example");
  EXPECT_EQ(r.original_message_id, "orig-legacy-7@sender.example");
  ASSERT_EQ(r.recipients.size(), 3u);
  EXPECT_EQ(r.recipients[0].final_recipient, "Blocked@Legacy.Example");
  EXPECT_EQ(r.recipients[0].status, "");
  EXPECT_EQ(r.recipients[0].bounce, BounceClass::kHard);  // 554
  EXPECT_EQ(r.recipients[1].status, "");                  // "not-a-code" is dropped
  EXPECT_EQ(r.recipients[1].bounce, BounceClass::kSoft);  // 452
  EXPECT_EQ(r.recipients[2].action, DsnAction::kDelayed);
  EXPECT_EQ(r.recipients[2].bounce, BounceClass::kSoft);  // nothing but the action
}

TEST(MailDsn, ClassifyBounceFollowsRfc3463) {
  EXPECT_EQ(ClassifyBounce("5.7.1", "", DsnAction::kFailed), BounceClass::kHard);
  EXPECT_EQ(ClassifyBounce("4.2.2", "smtp; 552 5.2.2 full", DsnAction::kFailed), BounceClass::kSoft)
      << "the status wins over the diagnostic";
  EXPECT_EQ(ClassifyBounce("2.0.0", "", DsnAction::kDelivered), BounceClass::kNone);
  EXPECT_EQ(ClassifyBounce("", "550 no such user", DsnAction::kUnknown), BounceClass::kHard);
  EXPECT_EQ(ClassifyBounce("", "421 try later", DsnAction::kUnknown), BounceClass::kSoft);
  EXPECT_EQ(ClassifyBounce("", "rejected 5.1.1 unknown", DsnAction::kUnknown), BounceClass::kHard);
  EXPECT_EQ(ClassifyBounce("", "port 25550 closed", DsnAction::kRelayed), BounceClass::kNone);
  EXPECT_EQ(ClassifyBounce("", "", DsnAction::kFailed), BounceClass::kHard);
  EXPECT_EQ(ClassifyBounce("", "", DsnAction::kExpanded), BounceClass::kNone);
}

TEST(MailDsn, OrdinaryMessageGivesEmptyReport) {
  DsnReport r = ParseDsn(
      "From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\nMessage-ID: <x@b.example>\r\n\r\nhello\r\n");
  EXPECT_TRUE(r.recipients.empty());
  EXPECT_TRUE(r.original_message_id.empty());
}

TEST(MailDsn, GarbageNeverCrashes) {
  const std::string inputs[] = {
      "",
      std::string("\0\x01\x02\xff\xfe", 5),
      "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n"
      "Content-Type: message/delivery-status\r\n\r\n:::\r\n\r\nFinal-Recipient\r\n Action: :\r\n"
      "Status: 5.\r\n\r\n--b--",
      "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n"
      "Content-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822;\r\nStatus: 9.9.9.9\r\n",
      std::string(5000, '{') + "\r\n\r\n" + std::string(5000, ':'),
  };
  for (const std::string& input : inputs) {
    try {
      DsnReport r = ParseDsn(input);
      for (const DsnRecipient& rc : r.recipients) EXPECT_TRUE(rc.status.empty() || rc.status[0] != '9');
    } catch (const MimeError& e) {
      EXPECT_FALSE(e.retryable());
      EXPECT_NE(std::string(e.what()), "");
    }
  }
}

}  // namespace
}  // namespace postwork::mail
