#pragma once
// Sends prepared messages through one account's SMTP server with libcurl.
//
// The client keeps its curl easy handle, and so the open connection, between
// Send() calls, so a batch for one mailbox costs one TCP/TLS handshake and one
// AUTH. Not thread-safe: use one client per worker thread.
//
// Failures throw SmtpError: connection problems, timeouts and 4xx replies are
// retryable; 5xx replies and configuration errors are permanent, and a 5.1.x
// recipient rejection is flagged as a hard bounce. The password is never put
// in a message or a log, and curl's verbose output stays off.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace postwork::mail {

enum class SmtpSecurity {
  kNone,      // plain text (local relays and tests only)
  kStartTls,  // plain connect, then STARTTLS, required (port 587)
  kTls,       // implicit TLS (port 465)
};

struct SmtpSettings {
  std::string host{};
  uint16_t port = 587;
  SmtpSecurity security = SmtpSecurity::kStartTls;
  std::string username{};  // empty: no AUTH
  std::string password{};
  std::string helo_domain{};  // EHLO argument; empty lets curl choose
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};  // whole transaction
  bool verify_peer = true;
  std::string ca_file{};  // PEM bundle to trust instead of the system's (private CAs)
};

struct SmtpResult {
  int code = 0;          // final reply code, normally 250
  std::string response{};  // final reply line, e.g. "250 2.0.0 Ok: queued as 4F2A1"
};

class SmtpClient {
 public:
  explicit SmtpClient(SmtpSettings settings);
  ~SmtpClient();
  SmtpClient(SmtpClient&&) noexcept;
  SmtpClient& operator=(SmtpClient&&) noexcept;
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  // `message` is the full RFC 5322 message with CRLF line endings (see
  // BuildMessage); curl adds the SMTP dot-stuffing. Addresses are bare
  // ("a@b.com"). Throws SmtpError.
  SmtpResult Send(std::string_view envelope_from, const std::vector<std::string>& recipients,
                  std::string_view message);

  // TCP connections opened so far; stays flat while the connection is reused.
  long connections_opened() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace postwork::mail
