// MIME building and parsing: round trips, header injection, encodings,
// attachments, auto-reply detection and the MIME-bomb limits.
#include <gtest/gtest.h>

#include "mail/codec.hpp"
#include "mail/mail_error.hpp"
#include "mail/mime_builder.hpp"
#include "mail/mime_parser.hpp"

namespace postwork::mail {
namespace {

using namespace std::chrono_literals;

std::string Crlf(std::string_view unix_text) {
  std::string out;
  for (char c : unix_text) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

std::string Unix(std::string s) {
  std::erase(s, '\r');
  return s;
}

std::vector<std::string> HeaderLines(const std::string& message) {
  std::vector<std::string> lines;
  std::string head = message.substr(0, message.find("\r\n\r\n"));
  size_t pos = 0;
  while (pos <= head.size()) {
    size_t end = head.find("\r\n", pos);
    lines.push_back(head.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
    if (end == std::string::npos) break;
    pos = end + 2;
  }
  return lines;
}

int CountHeader(const std::string& message, std::string_view name) {
  int n = 0;
  for (const std::string& line : HeaderLines(message)) {
    if (line.size() > name.size() && line[name.size()] == ':' &&
        std::equal(name.begin(), name.end(), line.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      ++n;
    }
  }
  return n;
}

OutgoingMessage Sample() {
  return {
      .from = {.address = "ana@Sender.Example", .name = "Ana Pérez"},
      .to = {.address = "jane@rcpt.example", .name = "Jane \"JJ\" O'Neil, PhD"},
      .subject = "Grüße aus Köln 👋 — a subject long enough that it has to be folded over lines",
      .text_body = "Hi Jane,\nthis is café text.\n.\nA line that is very long " + std::string(150, 'x') +
                   "\n",
      .html_body = "<p>Hi <b>Jane</b>, café</p>",
      .in_reply_to = "<orig-1@rcpt.example>",
      .references = {"root@rcpt.example", "<orig-1@rcpt.example>"},
      .unsubscribe_url = "https://t.example/u/abc?x=1&y=2",
      .extra_headers = {{.name = "X-Postwork-Warmup", .value = "1"},
                        {.name = "X-Campaign", .value = "spring\r\nBcc: evil@x.example"}},
      .date = std::chrono::system_clock::time_point(1760000000s),
  };
}

TEST(MailMime, BuildThenParseRoundTrips) {
  BuiltMessage built = BuildMessage(Sample());
  EXPECT_TRUE(built.message_id.ends_with("@sender.example")) << built.message_id;
  EXPECT_EQ(built.message_id.find('<'), std::string::npos);

  ParsedMessage p = ParseMessage(built.bytes);
  ASSERT_EQ(p.from.size(), 1u);
  EXPECT_EQ(p.from[0].address, "ana@Sender.Example");
  EXPECT_EQ(p.from[0].name, "Ana Pérez");
  ASSERT_EQ(p.to.size(), 1u);
  EXPECT_EQ(p.to[0].address, "jane@rcpt.example");
  EXPECT_EQ(p.to[0].name, "Jane \"JJ\" O'Neil, PhD");
  EXPECT_EQ(p.subject, Sample().subject);
  EXPECT_EQ(p.message_id, built.message_id);
  EXPECT_EQ(p.in_reply_to, "orig-1@rcpt.example");
  EXPECT_EQ(p.references, (std::vector<std::string>{"root@rcpt.example", "orig-1@rcpt.example"}));
  ASSERT_TRUE(p.date.has_value());
  EXPECT_EQ(p.date->time_since_epoch(), 1760000000s);
  EXPECT_EQ(Unix(p.text_body), Sample().text_body);
  EXPECT_EQ(Unix(p.html_body), Sample().html_body);
  EXPECT_TRUE(p.attachments.empty());
  EXPECT_FALSE(p.is_auto_reply);
  EXPECT_FALSE(p.is_dsn);
  EXPECT_EQ(p.FindHeader("list-unsubscribe"), "<https://t.example/u/abc?x=1&y=2>");
  EXPECT_EQ(p.FindHeader("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  EXPECT_EQ(p.FindHeader("X-Postwork-Warmup"), "1");
  EXPECT_EQ(p.FindHeader("X-Campaign"), "spring Bcc: evil@x.example");
}

TEST(MailMime, SerializesForSmtp) {
  BuiltMessage built = BuildMessage(Sample());
  const std::string& b = built.bytes;
  for (size_t i = 0; i < b.size(); ++i) {
    if (b[i] == '\n') {
      ASSERT_TRUE(i > 0 && b[i - 1] == '\r') << "bare LF at " << i;
    }
    if (b[i] == '\r') {
      ASSERT_TRUE(i + 1 < b.size() && b[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  size_t pos = 0;
  while (pos < b.size()) {
    size_t end = b.find("\r\n", pos);
    if (end == std::string::npos) end = b.size();
    EXPECT_LE(end - pos, 78u) << b.substr(pos, end - pos);
    pos = end + 2;
  }
  EXPECT_NE(b.find("\r\nMessage-ID: <" + built.message_id + ">\r\n"), std::string::npos);
  EXPECT_NE(b.find("\r\nDate: Thu, 09 Oct 2025 08:53:20 +0000\r\n"), std::string::npos) << b;
  EXPECT_NE(b.find("\r\nSubject: =?UTF-8?"), std::string::npos) << "RFC 2047 encoded";
  EXPECT_NE(b.find("Content-Type: multipart/alternative"), std::string::npos);
  EXPECT_NE(b.find("Content-Type: text/plain; charset=utf-8\r\n"
                   "Content-Transfer-Encoding: quoted-printable"),
            std::string::npos);
  EXPECT_NE(b.find("Content-Type: text/html; charset=utf-8\r\n"
                   "Content-Transfer-Encoding: quoted-printable"),
            std::string::npos);
  EXPECT_LT(b.find("text/plain"), b.find("text/html")) << "plain first, preferred last";
  EXPECT_NE(b.find("caf=C3=A9"), std::string::npos);
  EXPECT_NE(b.find("\r\nList-Unsubscribe: <https://t.example/u/abc?x=1&y=2>\r\n"), std::string::npos);
  EXPECT_NE(b.find("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), std::string::npos);
  EXPECT_EQ(CountHeader(b, "MIME-Version"), 1);
}

TEST(MailMime, CrLfInAnyValueNeverAddsAHeader) {
  OutgoingMessage m = Sample();
  m.subject = "Hi\r\nBcc: evil@x";
  m.from.name = "Ana\r\nBcc: evil2@x";
  m.to.name = "Jane\nCc: evil3@x";
  m.extra_headers = {{.name = "X-Note", .value = "a\rBcc: evil4@x"}};
  BuiltMessage built = BuildMessage(m);
  EXPECT_EQ(CountHeader(built.bytes, "Subject"), 1);
  EXPECT_EQ(CountHeader(built.bytes, "Bcc"), 0);
  EXPECT_EQ(CountHeader(built.bytes, "Cc"), 0);
  EXPECT_NE(built.bytes.find("\r\nSubject: Hi Bcc: evil@x\r\n"), std::string::npos);

  ParsedMessage p = ParseMessage(built.bytes);
  EXPECT_EQ(p.subject, "Hi Bcc: evil@x");
  EXPECT_FALSE(p.FindHeader("Bcc").has_value());
  EXPECT_TRUE(p.cc.empty());
  ASSERT_EQ(p.to.size(), 1u);
  EXPECT_EQ(p.to[0].address, "jane@rcpt.example");
}

TEST(MailMime, RejectsInputsThatCouldChangeRoutingOrStructure) {
  auto expect_permanent = [](OutgoingMessage m, const char* why) {
    try {
      BuildMessage(m);
      ADD_FAILURE() << "accepted: " << why;
    } catch (const MimeError& e) {
      EXPECT_FALSE(e.retryable()) << why;
    }
  };
  OutgoingMessage m = Sample();
  m.to.address = "jane@rcpt.example\r\nBcc: evil@x.example";
  expect_permanent(m, "CRLF in address");
  m = Sample();
  m.to.address = "a@b.example, c@d.example";
  expect_permanent(m, "address list");
  m = Sample();
  m.from.address = "no-at-sign";
  expect_permanent(m, "from without domain");
  m = Sample();
  m.extra_headers = {{.name = "Content-Type", .value = "text/plain"}};
  expect_permanent(m, "reserved header");
  m = Sample();
  m.extra_headers = {{.name = "Bcc", .value = "evil@x.example"}};
  expect_permanent(m, "Bcc header");
  m = Sample();
  m.extra_headers = {{.name = "X-Bad Name", .value = "1"}};
  expect_permanent(m, "space in header name");
  m = Sample();
  m.extra_headers = {{.name = "X-A:\r\nBcc", .value = "1"}};
  expect_permanent(m, "CRLF in header name");
  m = Sample();
  m.unsubscribe_url = "http://t.example/u";
  expect_permanent(m, "plain http unsubscribe");
  m = Sample();
  m.unsubscribe_url = "https://t.example/u>, <mailto:x@y";
  expect_permanent(m, "brackets in unsubscribe URL");
  m = Sample();
  m.in_reply_to = "<a@b>\r\nBcc: x@y";
  expect_permanent(m, "CRLF in In-Reply-To");
}

TEST(MailMime, SingleBodyIsNotMultipart) {
  OutgoingMessage m = Sample();
  m.html_body.clear();
  BuiltMessage text_only = BuildMessage(m);
  EXPECT_EQ(text_only.bytes.find("multipart"), std::string::npos);
  EXPECT_NE(text_only.bytes.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  m = Sample();
  m.text_body.clear();
  m.unsubscribe_url.clear();
  ParsedMessage html_only = ParseMessage(BuildMessage(m).bytes);
  // A single-part body keeps the line break that ends it on the wire.
  EXPECT_EQ(Unix(html_only.html_body), Sample().html_body + "\n");
  EXPECT_TRUE(html_only.text_body.empty());
  EXPECT_FALSE(html_only.FindHeader("List-Unsubscribe").has_value());
}

TEST(MailMime, ParsesCharsetsEncodedWordsAndAttachments) {
  const std::string pdf = "%PDF-1.4 fake\x00\x01\x02 bytes";
  const std::string raw = Crlf(
      "From: =?ISO-8859-1?Q?Andr=E9_M=FCller?= <andre@rcpt.example>\n"
      "To: Ana <ana@sender.example>, team: bob@sender.example, carol@sender.example;\n"
      "Cc: =?UTF-8?B?5bGx55Sw?= <yamada@rcpt.example>\n"
      "Subject: =?ISO-8859-1?Q?Re:_Caf=E9?= =?UTF-8?B?IOKclA==?=\n"
      "Message-ID: <reply-1@rcpt.example>\n"
      "In-Reply-To: <abc@sender.example>\n"
      "References: <root@sender.example>\n <abc@sender.example>\n"
      "Date: Tue, 14 Oct 2025 09:12:31 -0700\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\n"
      "\n"
      "--outer\n"
      "Content-Type: multipart/related; boundary=\"rel\"\n"
      "\n"
      "--rel\n"
      "Content-Type: multipart/alternative; boundary=\"alt\"\n"
      "\n"
      "--alt\n"
      "Content-Type: text/plain; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "Merci, =E7a marche tr=E8s bien.\n"
      "--alt\n"
      "Content-Type: text/html; charset=windows-1252\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "PHA+k1F1b3RlZJQg4oCUIGRhc2g8L3A+\n"
      "--alt--\n"
      "--rel\n"
      "Content-Type: image/png\n"
      "Content-ID: <logo@rcpt.example>\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "aGVsbG8gd29ybGQ=\n"
      "--rel--\n"
      "--outer\n"
      "Content-Type: application/pdf; name=\"=?UTF-8?Q?na=C3=AFve.pdf?=\"\n"
      "Content-Disposition: attachment; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.pdf\n"
      "Content-Transfer-Encoding: base64\n"
      "\n" +
      Base64Encode(pdf) +
      "\n"
      "--outer--\n");

  ParsedMessage p = ParseMessage(raw);
  ASSERT_EQ(p.from.size(), 1u);
  EXPECT_EQ(p.from[0].name, "André Müller");
  ASSERT_EQ(p.to.size(), 3u) << "group members are flattened";
  EXPECT_EQ(p.to[1].address, "bob@sender.example");
  EXPECT_EQ(p.to[2].address, "carol@sender.example");
  ASSERT_EQ(p.cc.size(), 1u);
  EXPECT_EQ(p.cc[0].name, "山田");
  EXPECT_EQ(p.subject, "Re: Café ✔");
  EXPECT_EQ(p.message_id, "reply-1@rcpt.example");
  EXPECT_EQ(p.in_reply_to, "abc@sender.example");
  EXPECT_EQ(p.references, (std::vector<std::string>{"root@sender.example", "abc@sender.example"}));
  EXPECT_EQ(p.date->time_since_epoch(), 1760458351s);
  // The line break before a boundary belongs to the boundary (RFC 2046).
  EXPECT_EQ(p.text_body, "Merci, ça marche très bien.");
  // 0x93/0x94 are Windows-1252 curly quotes; the UTF-8 dash bytes decode as
  // their own Windows-1252 characters (mojibake in, faithful mojibake out).
  EXPECT_EQ(p.html_body, "<p>“Quoted” â€” dash</p>");

  ASSERT_EQ(p.attachments.size(), 2u);
  const Attachment& logo = p.attachments[0];
  EXPECT_EQ(logo.content_type, "image/png");
  EXPECT_EQ(logo.content_id, "logo@rcpt.example");
  EXPECT_TRUE(logo.is_inline);
  EXPECT_EQ(logo.data, "hello world");
  EXPECT_EQ(logo.sha256_hex, "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
  const Attachment& doc = p.attachments[1];
  EXPECT_EQ(doc.filename, "naïve résumé.pdf");
  EXPECT_EQ(doc.content_type, "application/pdf");
  EXPECT_FALSE(doc.is_inline);
  EXPECT_EQ(doc.data, pdf);
  EXPECT_EQ(doc.sha256_hex, Sha256Hex(pdf));
}

TEST(MailMime, AttachedMessageIsOneAttachment) {
  const std::string raw = Crlf(
      "From: a@rcpt.example\nTo: b@sender.example\nSubject: Fwd: hi\n"
      "Content-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/plain\n\nsee below\n"
      "--b\nContent-Type: message/rfc822\nContent-Disposition: attachment; filename=orig.eml\n\n"
      "From: c@x.example\nSubject: inner\n"
      "Content-Type: multipart/mixed; boundary=i\n\n"
      "--i\nContent-Type: text/plain\n\ninner body\n"
      "--i\nContent-Type: application/zip\nContent-Disposition: attachment; filename=x.zip\n\nZIP\n"
      "--i--\n"
      "--b--\n");
  ParsedMessage p = ParseMessage(raw);
  EXPECT_EQ(p.text_body, "see below");
  ASSERT_EQ(p.attachments.size(), 1u);
  EXPECT_EQ(p.attachments[0].content_type, "message/rfc822");
  EXPECT_EQ(p.attachments[0].filename, "orig.eml");
  EXPECT_NE(p.attachments[0].data.find("Subject: inner"), std::string::npos);
  EXPECT_EQ(p.attachments[0].sha256_hex, Sha256Hex(p.attachments[0].data));
}

TEST(MailMime, DetectsAutoReplies) {
  auto parse = [](const std::string& headers) {
    return ParseMessage(Crlf("From: x@rcpt.example\nTo: ana@sender.example\n" + headers + "\nbody\n"));
  };
  EXPECT_TRUE(parse("Subject: Re: hi\nAuto-Submitted: auto-replied\n").is_auto_reply);
  EXPECT_TRUE(parse("Subject: Re: hi\nAuto-Submitted: auto-generated; owner-email=x@y\n").is_auto_reply);
  EXPECT_FALSE(parse("Subject: Re: hi\nAuto-Submitted: no\n").is_auto_reply);
  EXPECT_TRUE(parse("Subject: Re: hi\nX-Autoreply: yes\n").is_auto_reply);
  EXPECT_TRUE(parse("Subject: Re: hi\nX-Autorespond: on\n").is_auto_reply);
  EXPECT_TRUE(parse("Subject: Re: hi\nPrecedence: auto_reply\n").is_auto_reply);
  EXPECT_FALSE(parse("Subject: Newsletter\nPrecedence: bulk\n").is_auto_reply);
  EXPECT_TRUE(parse("Subject: Automatic reply: Quick question\n").is_auto_reply);
  EXPECT_TRUE(parse("Subject: Out of Office: Quick question\nPrecedence: bulk\n").is_auto_reply);
  EXPECT_TRUE(parse("Subject: =?UTF-8?Q?R=C3=A9ponse_automatique=C2=A0:_Hello?=\n").is_auto_reply);
  EXPECT_TRUE(parse("Subject: Abwesenheitsnotiz: Hallo\n").is_auto_reply);
  EXPECT_FALSE(parse("Subject: Re: out of office next week?\n").is_auto_reply);
  EXPECT_FALSE(parse("Subject: Re: Quick question\n").is_auto_reply);
}

std::string NestedMultiparts(int depth) {
  std::string head = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n";
  std::string open, close;
  for (int i = 1; i < depth; ++i) {
    open += "--b" + std::to_string(i - 1) + "\r\nContent-Type: multipart/mixed; boundary=b" +
            std::to_string(i) + "\r\n\r\n";
  }
  open += "--b" + std::to_string(depth - 1) + "\r\nContent-Type: text/plain\r\n\r\ndeep\r\n";
  for (int i = depth - 1; i >= 0; --i) close += "--b" + std::to_string(i) + "--\r\n";
  return head + open + close;
}

std::string ManyParts(int count) {
  std::string raw = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < count; ++i) raw += "--b\r\nContent-Type: text/plain\r\n\r\npart\r\n";
  return raw + "--b--\r\n";
}

void ExpectLimit(const std::string& raw, const ParseLimits& limits, const std::string& needle) {
  try {
    ParseMessage(raw, limits);
    ADD_FAILURE() << "limit not enforced: " << needle;
  } catch (const MimeError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(MailMime, MimeBombLimits) {
  EXPECT_EQ(ParseMessage(NestedMultiparts(19)).text_body, "deep");
  ExpectLimit(NestedMultiparts(25), {}, "nesting deeper than 20");
  ExpectLimit(NestedMultiparts(5), {.max_depth = 3}, "max_depth");
  EXPECT_EQ(ParseMessage(ManyParts(400)).attachments.size(), 399u);
  ExpectLimit(ManyParts(600), {}, "more than 500 MIME parts");
  ExpectLimit(ManyParts(10), {.max_parts = 5}, "max_parts");
  ExpectLimit(ManyParts(100), {.max_size = 1000}, "max_size");
  // Far past any limit: refused before GMime's recursive parser sees it.
  ExpectLimit(NestedMultiparts(20000), {}, "more than 500 MIME parts");
  std::string huge = "From: a@b.example\r\n\r\n" + std::string(26 * 1024 * 1024, 'x');
  ExpectLimit(huge, {}, "exceeds 26214400");
}

TEST(MailMime, GarbageIsAPermanentErrorOrAnEmptyMessage) {
  for (const std::string& raw : {std::string(), std::string("\0\0\0", 3), std::string("\r\n\r\n"),
                                 std::string(1000, '\xff'), std::string("just some text")}) {
    try {
      ParsedMessage p = ParseMessage(raw);
      EXPECT_TRUE(p.from.empty());
    } catch (const MimeError& e) {
      EXPECT_FALSE(e.retryable());
    }
  }
}

}  // namespace
}  // namespace postwork::mail
