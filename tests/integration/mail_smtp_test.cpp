// Sends real messages through SmtpClient to aiosmtpd (SmtpSink) and checks the
// bytes the server stored, plus how failures are classified.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "mail/mail_error.hpp"
#include "mail/mime_builder.hpp"
#include "mail/mime_parser.hpp"
#include "mail/smtp_client.hpp"
#include "mail/template.hpp"
#include "support/smtp_sink.hpp"

namespace postwork::mail {
namespace {

using namespace std::chrono_literals;
using test_support::SmtpSink;

constexpr const char* kPassword = "s3cret-Pa55word";

SmtpSettings PlainSettings(uint16_t port) {
  return {.host = "127.0.0.1",
          .port = port,
          .security = SmtpSecurity::kNone,
          .helo_domain = "sender.example",
          .connect_timeout = 5s,
          .timeout = 20s};
}

// The Maildir stores LF line endings; compare lines without caring.
std::string Unix(std::string s) {
  std::string out;
  for (char c : s) {
    if (c != '\r') out.push_back(c);
  }
  return out;
}

// Counts header lines (in the top-level header block) that start with `name:`.
int CountHeader(const std::string& message, const std::string& name) {
  std::string headers = message.substr(0, message.find("\n\n"));
  int count = 0;
  size_t pos = 0;
  std::string needle = name + ":";
  while (true) {
    if (headers.compare(pos, needle.size(), needle) == 0) ++count;
    pos = headers.find('\n', pos);
    if (pos == std::string::npos) break;
    ++pos;
  }
  return count;
}

BuiltMessage Personalized(const std::string& to,
                          const nlohmann::json& lead = nlohmann::json::object()) {
  RenderOptions text{.mode = RenderMode::kText, .seed = "lead-42"};
  RenderOptions html{.mode = RenderMode::kHtml, .seed = "lead-42"};
  return BuildMessage({
      .from = {.address = "ana@sender.example", .name = "Ana Pérez"},
      .to = {.address = to, .name = lead.value("first_name", "")},
      .subject = Render("Quick question, {{first_name|there}}", lead, text),
      .text_body = Render("{Hi|Hello} {{first_name|there}},\nsaw {{company}} on the list.\n", lead, text),
      .html_body = Render("<p>{Hi|Hello} <b>{{first_name|there}}</b> from {{company}}</p>", lead, html),
      .unsubscribe_url = "https://t.example/u/abc123",
      .extra_headers = {{.name = "X-Postwork-Warmup", .value = "1"}},
  });
}

TEST(MailSmtp, DeliversPersonalizedMultipartMessage) {
  SmtpSink sink;
  SmtpClient client(PlainSettings(sink.port()));
  nlohmann::json lead = {{"first_name", "Jane\r\nBcc: evil@x.example"}, {"company", "Acme & <Sons>"}};
  BuiltMessage built = Personalized("jane@rcpt.example", lead);

  SmtpResult result = client.Send("ana@sender.example", {"jane@rcpt.example"}, built.bytes);
  EXPECT_EQ(result.code, 250);
  EXPECT_NE(result.response.find("250"), std::string::npos) << result.response;

  ASSERT_TRUE(sink.WaitForMessages(1, 10s)) << sink.Log();
  std::string got = Unix(sink.Messages().at(0));

  EXPECT_EQ(CountHeader(got, "Subject"), 1) << got;
  EXPECT_EQ(CountHeader(got, "Bcc"), 0) << got;
  EXPECT_EQ(CountHeader(got, "To"), 1) << got;
  EXPECT_NE(got.find("X-RcptTo: jane@rcpt.example\n"), std::string::npos) << got;
  EXPECT_NE(got.find("X-MailFrom: ana@sender.example\n"), std::string::npos) << got;
  EXPECT_NE(got.find("Message-ID: <" + built.message_id + ">"), std::string::npos) << got;
  EXPECT_NE(got.find("List-Unsubscribe: <https://t.example/u/abc123>\n"), std::string::npos) << got;
  EXPECT_NE(got.find("List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"), std::string::npos) << got;
  EXPECT_NE(got.find("X-Postwork-Warmup: 1\n"), std::string::npos) << got;
  EXPECT_NE(got.find("Content-Type: multipart/alternative"), std::string::npos) << got;
  EXPECT_NE(got.find("Content-Type: text/plain; charset=utf-8"), std::string::npos) << got;
  EXPECT_NE(got.find("Content-Type: text/html; charset=utf-8"), std::string::npos) << got;

  ParsedMessage parsed = ParseMessage(got);
  EXPECT_EQ(parsed.subject, "Quick question, Jane Bcc: evil@x.example");
  ASSERT_EQ(parsed.from.size(), 1u);
  EXPECT_EQ(parsed.from[0].name, "Ana Pérez");
  EXPECT_EQ(parsed.message_id, built.message_id);
  // Bodies: personalization applied, the same spintax variant in both parts,
  // HTML-escaped value in the HTML part only.
  std::string greeting = parsed.text_body.substr(0, parsed.text_body.find(' '));
  EXPECT_TRUE(greeting == "Hi" || greeting == "Hello") << parsed.text_body;
  EXPECT_NE(parsed.text_body.find("saw Acme & <Sons> on the list."), std::string::npos)
      << parsed.text_body;
  EXPECT_NE(parsed.html_body.find("<p>" + greeting + " <b>Jane"), std::string::npos) << parsed.html_body;
  EXPECT_NE(parsed.html_body.find("from Acme &amp; &lt;Sons&gt;</p>"), std::string::npos)
      << parsed.html_body;
}

TEST(MailSmtp, ReusesTheConnectionForConsecutiveSends) {
  SmtpSink sink;
  SmtpClient client(PlainSettings(sink.port()));
  for (const char* to : {"a@rcpt.example", "b@rcpt.example", "c@rcpt.example"}) {
    BuiltMessage m = Personalized(to, {{"first_name", "X"}});
    EXPECT_EQ(client.Send("ana@sender.example", {to}, m.bytes).code, 250);
  }
  ASSERT_TRUE(sink.WaitForMessages(3, 10s)) << sink.Log();
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST(MailSmtp, StartTlsWithAVerifiedCertificate) {
  SmtpSink sink(SmtpSink::Handler::kMailbox, SmtpSink::Tls::kStartTls);
  SmtpSettings settings = PlainSettings(sink.port());
  settings.security = SmtpSecurity::kStartTls;
  settings.verify_peer = true;
  settings.ca_file = sink.cert_path().string();
  SmtpClient client(settings);
  BuiltMessage m = Personalized("jane@rcpt.example", {{"first_name", "Jane"}});
  EXPECT_EQ(client.Send("ana@sender.example", {"jane@rcpt.example"}, m.bytes).code, 250);
  ASSERT_TRUE(sink.WaitForMessages(1, 10s)) << sink.Log();
  EXPECT_NE(sink.Messages()[0].find("Message-ID: <" + m.message_id + ">"), std::string::npos);
}

TEST(MailSmtp, ImplicitTls) {
  SmtpSink sink(SmtpSink::Handler::kMailbox, SmtpSink::Tls::kImplicit);
  SmtpSettings settings = PlainSettings(sink.port());
  settings.security = SmtpSecurity::kTls;
  settings.verify_peer = false;
  SmtpClient client(settings);
  BuiltMessage m = Personalized("jane@rcpt.example");
  EXPECT_EQ(client.Send("ana@sender.example", {"jane@rcpt.example"}, m.bytes).code, 250);
  ASSERT_TRUE(sink.WaitForMessages(1, 10s)) << sink.Log();
}

TEST(MailSmtp, UntrustedCertificateIsAPermanentTlsFailure) {
  SmtpSink sink(SmtpSink::Handler::kMailbox, SmtpSink::Tls::kStartTls);
  SmtpSettings settings = PlainSettings(sink.port());
  settings.security = SmtpSecurity::kStartTls;
  settings.verify_peer = true;  // and the self-signed certificate is not trusted
  SmtpClient client(settings);
  BuiltMessage m = Personalized("jane@rcpt.example");
  try {
    client.Send("ana@sender.example", {"jane@rcpt.example"}, m.bytes);
    FAIL() << "expected SmtpError";
  } catch (const SmtpError& e) {
    EXPECT_EQ(e.failure(), SmtpFailure::kTls) << e.what();
    EXPECT_FALSE(e.retryable());
  }
  EXPECT_TRUE(sink.Messages().empty());
}

// The scripted server's only account (tests/support/postwork_smtp_handlers.py).
constexpr const char* kUser = "ana@sender.example";
constexpr const char* kGoodPassword = "correct horse battery staple";

SmtpSettings AuthSettings(const SmtpSink& sink, const char* password) {
  SmtpSettings settings = PlainSettings(sink.port());
  settings.security = SmtpSecurity::kStartTls;
  settings.ca_file = sink.cert_path().string();
  settings.username = kUser;
  settings.password = password;
  return settings;
}

TEST(MailSmtp, AuthenticatesAfterStartTls) {
  SmtpSink sink(SmtpSink::Handler::kScripted, SmtpSink::Tls::kStartTls);
  SmtpClient client(AuthSettings(sink, kGoodPassword));
  BuiltMessage m = Personalized("jane@rcpt.example");
  EXPECT_EQ(client.Send(kUser, {"jane@rcpt.example"}, m.bytes).code, 250);
  ASSERT_TRUE(sink.WaitForMessages(1, 10s)) << sink.Log();
}

TEST(MailSmtp, WrongPasswordIsAPermanentAuthFailureThatHidesThePassword) {
  SmtpSink sink(SmtpSink::Handler::kScripted, SmtpSink::Tls::kStartTls);
  SmtpClient client(AuthSettings(sink, kPassword));
  BuiltMessage m = Personalized("jane@rcpt.example");
  try {
    client.Send(kUser, {"jane@rcpt.example"}, m.bytes);
    FAIL() << "expected SmtpError";
  } catch (const SmtpError& e) {
    EXPECT_EQ(e.failure(), SmtpFailure::kAuth) << e.what();
    EXPECT_EQ(e.code(), 535);
    EXPECT_FALSE(e.retryable());
    EXPECT_FALSE(e.hard_bounce());
    EXPECT_EQ(std::string(e.what()).find(kPassword), std::string::npos) << e.what();
    EXPECT_EQ(e.response().find(kPassword), std::string::npos);
  }
  EXPECT_TRUE(sink.Messages().empty());
}

TEST(MailSmtp, UnknownRecipientIsAPermanentHardBounce) {
  SmtpSink sink(SmtpSink::Handler::kScripted);
  SmtpClient client(PlainSettings(sink.port()));
  BuiltMessage m = Personalized("unknown.person@rcpt.example");
  try {
    client.Send("ana@sender.example", {"unknown.person@rcpt.example"}, m.bytes);
    FAIL() << "expected SmtpError";
  } catch (const SmtpError& e) {
    EXPECT_EQ(e.code(), 550);
    EXPECT_FALSE(e.retryable());
    EXPECT_TRUE(e.hard_bounce());
    EXPECT_EQ(e.failure(), SmtpFailure::kRejected);
    EXPECT_NE(e.response().find("5.1.1"), std::string::npos) << e.response();
    EXPECT_NE(std::string(e.what()).find("User unknown"), std::string::npos) << e.what();
  }

  // The same client recovers for the next message.
  BuiltMessage ok = Personalized("known@rcpt.example");
  EXPECT_EQ(client.Send("ana@sender.example", {"known@rcpt.example"}, ok.bytes).code, 250);
  ASSERT_TRUE(sink.WaitForMessages(1, 10s)) << sink.Log();
  EXPECT_EQ(sink.Messages().size(), 1u);
  EXPECT_NE(sink.Messages()[0].find("X-RcptTo: known@rcpt.example"), std::string::npos);
}

TEST(MailSmtp, TemporaryRejectionIsRetryable) {
  SmtpSink sink(SmtpSink::Handler::kScripted);
  SmtpClient client(PlainSettings(sink.port()));
  BuiltMessage m = Personalized("busy@rcpt.example");
  try {
    client.Send("ana@sender.example", {"busy@rcpt.example"}, m.bytes);
    FAIL() << "expected SmtpError";
  } catch (const SmtpError& e) {
    EXPECT_EQ(e.code(), 451);
    EXPECT_TRUE(e.retryable());
    EXPECT_FALSE(e.hard_bounce());
    EXPECT_EQ(e.failure(), SmtpFailure::kRejected);
  }
}

// A loopback socket that is bound but not listening: connecting is refused.
class ClosedPort {
 public:
  ClosedPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { ::close(fd_); }
  uint16_t port() const { return port_; }
  int fd() const { return fd_; }

 private:
  int fd_;
  uint16_t port_ = 0;
};

TEST(MailSmtp, ConnectionFailureIsRetryableAndHidesThePassword) {
  ClosedPort closed;
  SmtpSettings settings = PlainSettings(closed.port());
  settings.username = "ana@sender.example";
  settings.password = kPassword;
  SmtpClient client(settings);
  BuiltMessage m = Personalized("jane@rcpt.example");
  try {
    client.Send("ana@sender.example", {"jane@rcpt.example"}, m.bytes);
    FAIL() << "expected SmtpError";
  } catch (const SmtpError& e) {
    EXPECT_TRUE(e.retryable());
    EXPECT_EQ(e.failure(), SmtpFailure::kConnect);
    EXPECT_EQ(e.code(), 0);
    EXPECT_EQ(std::string(e.what()).find(kPassword), std::string::npos) << e.what();
  }
}

TEST(MailSmtp, SilentServerTimesOutAsRetryable) {
  // Accepts TCP connections (kernel backlog) but never sends a greeting.
  ClosedPort silent;
  ASSERT_EQ(::listen(silent.fd(), 4), 0);
  SmtpSettings settings = PlainSettings(silent.port());
  settings.timeout = 700ms;
  SmtpClient client(settings);
  BuiltMessage m = Personalized("jane@rcpt.example");
  try {
    client.Send("ana@sender.example", {"jane@rcpt.example"}, m.bytes);
    FAIL() << "expected SmtpError";
  } catch (const SmtpError& e) {
    EXPECT_TRUE(e.retryable());
    EXPECT_EQ(e.failure(), SmtpFailure::kTimeout);
  }
}

TEST(MailSmtp, RefusesAddressesThatWouldInjectSmtpCommands) {
  SmtpSink sink;
  SmtpClient client(PlainSettings(sink.port()));
  BuiltMessage m = Personalized("jane@rcpt.example");
  try {
    client.Send("ana@sender.example", {"jane@rcpt.example>\r\nRCPT TO:<evil@x.example"}, m.bytes);
    FAIL() << "expected SmtpError";
  } catch (const SmtpError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_EQ(e.failure(), SmtpFailure::kProtocol);
  }
  EXPECT_EQ(client.connections_opened(), 0);
  EXPECT_TRUE(sink.Messages().empty());
}

}  // namespace
}  // namespace postwork::mail
