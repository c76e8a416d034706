#pragma once
// A real SMTP server for tests: Debian's aiosmtpd on a free loopback port,
// storing every accepted message in a private Maildir.
//
//   SmtpSink sink;                       // aiosmtpd.handlers.Mailbox
//   SmtpSink scripted(SmtpSink::Handler::kScripted);  // 550 for unknown*@, 451 for busy*@
//   SmtpSink tls(SmtpSink::Handler::kMailbox, SmtpSink::Tls::kStartTls);
//   ... send to 127.0.0.1:sink.port() ...
//   ASSERT_TRUE(sink.WaitForMessages(1, 10s));
//
// The server is stopped (SIGTERM, then SIGKILL) and its directory removed in
// the destructor.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace postwork::test_support {

class SmtpSink {
 public:
  enum class Handler {
    kMailbox,   // aiosmtpd.handlers.Mailbox: accepts everything
    kScripted,  // tests/support/postwork_smtp_handlers.py ScriptedMailbox
    // The product's per-recipient delivery (devenv::kMaildirDeliveryHandler,
    // share/aiosmtpd/postwork_maildir.py): into Maildirs under `delivery_root`
    // (an ImapServer's mail root); Messages() is empty.
    kMaildirDelivery,
  };

  enum class Tls {
    kNone,
    kStartTls,  // STARTTLS offered and required before MAIL
    kImplicit,  // TLS from the first byte (SMTPS)
  };

  explicit SmtpSink(Handler handler = Handler::kMailbox, Tls tls = Tls::kNone,
                    std::filesystem::path delivery_root = {});
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  uint16_t port() const { return port_; }
  // The server's self-signed certificate (PEM) when TLS is on; a client that
  // trusts it can verify the peer as 127.0.0.1 or localhost.
  std::filesystem::path cert_path() const { return dir_ / "cert.pem"; }

  // Every stored message as raw bytes (as the Maildir wrote them: LF line
  // endings, plus aiosmtpd's X-Peer / X-MailFrom / X-RcptTo headers), oldest
  // first.
  std::vector<std::string> Messages() const;
  // Polls until at least `count` messages are stored; false on timeout.
  bool WaitForMessages(size_t count, std::chrono::milliseconds timeout) const;
  // The server's stdout/stderr so far, for failure messages.
  std::string Log() const;

 private:
  void Start(Handler handler, Tls tls, const std::filesystem::path& delivery_root);
  void WaitUntilAccepting(std::chrono::milliseconds timeout);
  void Stop() noexcept;

  std::filesystem::path dir_;
  uint16_t port_ = 0;
  Tls tls_ = Tls::kNone;
  pid_t pid_ = -1;
};

}  // namespace postwork::test_support
