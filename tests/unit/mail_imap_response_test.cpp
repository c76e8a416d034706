// The IMAP response parser on transcripts shaped like dovecot's, Gmail's and
// hostile servers' answers.
#include <gtest/gtest.h>

#include "mail/imap_response.hpp"
#include "mail/mail_error.hpp"

namespace postwork::mail {
namespace {

TEST(ImapResponse, ListWithSpecialUseAndQuotedNames) {
  std::string t =
      "* LIST (\\HasNoChildren) \".\" INBOX\r\n"
      "* LIST (\\HasNoChildren \\Junk) \".\" Junk\r\n"
      "* LIST (\\HasChildren \\Noselect) \"/\" \"[Gmail]\"\r\n"
      "* LIST (\\HasNoChildren) \"/\" \"[Gmail]/Spam\"\r\n"
      "* LIST (\\HasNoChildren) \"/\" {12}\r\nJunk \"E\"mail\r\n"
      "A005 OK List completed (0.001 + 0.000 secs).\r\n";
  auto boxes = ParseList(t);
  ASSERT_EQ(boxes.size(), 5u);
  EXPECT_EQ(boxes[0].name, "INBOX");
  EXPECT_EQ(boxes[1].name, "Junk");
  EXPECT_TRUE(boxes[1].HasAttribute("\\junk"));
  EXPECT_FALSE(boxes[0].HasAttribute("\\Junk"));
  EXPECT_TRUE(boxes[2].HasAttribute("\\Noselect"));
  EXPECT_EQ(boxes[3].name, "[Gmail]/Spam");
  EXPECT_EQ(boxes[4].name, "Junk \"E\"mail");
}

TEST(ImapResponse, SearchSkipsTheSelectChatterAndTaggedLines) {
  std::string t =
      "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
      "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags "
      "permitted (unbalanced ( in free text is fine).\r\n"
      "* 3 EXISTS\r\n"
      "* OK [UIDVALIDITY 1700000000] UIDs valid\r\n"
      "A003 OK [READ-WRITE] Select completed.\r\n"
      "* SEARCH 4 9 12\r\n"
      "A004 OK Search completed.\r\n";
  EXPECT_EQ(ParseSearch(t), (std::vector<uint32_t>{4, 9, 12}));
  EXPECT_TRUE(ParseSearch("* SEARCH\r\nA1 OK done\r\n").empty());
}

TEST(ImapResponse, FetchWithHeaderLiteralsFlagsAndUid) {
  std::string headers1 =
      "Message-ID: <a1@sender.example>\r\nX-Postwork-Warmup: abc123\r\n"
      "Subject: Quick question\r\n about Tuesday\r\n\r\n";
  std::string headers2 = "Message-ID: <b2@sender.example>\r\n\r\n";
  std::string t =
      "* 1 FETCH (UID 7 FLAGS (\\Seen) BODY[HEADER.FIELDS (MESSAGE-ID X-POSTWORK-WARMUP "
      "SUBJECT)] {" +
      std::to_string(headers1.size()) + "}\r\n" + headers1 + ")\r\n" +
      "* 2 FETCH (FLAGS () UID 9 BODY[HEADER.FIELDS (MESSAGE-ID)] {" +
      std::to_string(headers2.size()) + "}\r\n" + headers2 + ")\r\n" +
      "* 5 FETCH (FLAGS (\\Deleted))\r\n"  // unsolicited: no UID
      "A006 OK Fetch completed.\r\n";
  auto f = ParseFetch(t);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].sequence, 1u);
  EXPECT_EQ(f[0].uid, 7u);
  EXPECT_TRUE(f[0].HasFlag("\\SEEN"));
  EXPECT_EQ(f[0].headers, headers1);
  EXPECT_EQ(HeaderValue(f[0].headers, "message-id"), "<a1@sender.example>");
  EXPECT_EQ(HeaderValue(f[0].headers, "Subject"), "Quick question about Tuesday");
  EXPECT_EQ(HeaderValue(f[0].headers, "X-Postwork-Warmup"), "abc123");
  EXPECT_FALSE(HeaderValue(f[0].headers, "References").has_value());
  EXPECT_EQ(f[1].uid, 9u);
  EXPECT_TRUE(f[1].flags.empty());
  EXPECT_FALSE(f[2].uid.has_value());
}

TEST(ImapResponse, LiteralsThatLookLikeResponsesAreData) {
  std::string body = "* 99 FETCH (UID 1)\r\nA001 NO fake\r\n";
  std::string t = "* 1 FETCH (UID 3 RFC822.HEADER {" + std::to_string(body.size()) + "}\r\n" +
                  body + ")\r\nA002 OK done\r\n";
  auto f = ParseFetch(t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].uid, 3u);
  EXPECT_EQ(f[0].headers, body);
}

TEST(ImapResponse, CapabilitiesAndTaggedFailures) {
  std::string t =
      "* CAPABILITY IMAP4rev1 SASL-IR UIDPLUS move SPECIAL-USE\r\nA002 OK Pre-login\r\n";
  auto caps = ParseCapabilities(t);
  EXPECT_EQ(caps,
            (std::vector<std::string>{"IMAP4REV1", "SASL-IR", "UIDPLUS", "MOVE", "SPECIAL-USE"}));
  EXPECT_EQ(TaggedFailure("* OK x\r\nA004 NO [TRYCREATE] Mailbox doesn't exist: Spam\r\n"),
            "A004 NO [TRYCREATE] Mailbox doesn't exist: Spam");
  EXPECT_EQ(TaggedFailure("A004 OK done\r\n"), "");
}

TEST(ImapResponse, MalformedResponsesThrowInsteadOfReadingPastTheEnd) {
  for (std::string bad :
       {"* 1 FETCH (UID 3 BODY[] {999}\r\nshort)\r\n", "* 1 FETCH (UID 3 FLAGS (\\Seen)\r\n",
        "* 1 FETCH (UID \"unterminated)\r\n", "* LIST (\\X) \".\" a]b[\r\n",
        "* 1 FETCH (UID {abc}\r\n)\r\n", "* SEARCH 1 x\r\n"}) {
    EXPECT_THROW(
        {
          ParseFetch(bad);
          ParseList(bad);
          ParseSearch(bad);
        },
        ImapError)
        << bad;
  }
  std::string deep(100, '(');
  EXPECT_THROW(ParseUntagged("* X " + deep + "\r\n"), ImapError);
}

TEST(ImapResponse, QuotingAndUidSets) {
  EXPECT_EQ(ImapQuote("INBOX"), "\"INBOX\"");
  EXPECT_EQ(ImapQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_THROW(ImapQuote("x\r\nA1 LOGOUT"), ImapError);
  EXPECT_EQ(UidSet({9, 3, 3, 12}), "3,9,12");
}

}  // namespace
}  // namespace postwork::mail
