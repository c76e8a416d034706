#pragma once
// Errors thrown by postwork::mail. Each one says whether trying again later can
// help (retryable: a network blip, a 4xx reply) or not (permanent: a malformed
// message, a 5xx reply, a wrong key), so the job engine can retry or dead-letter
// without parsing message text. Messages never contain secrets.
#include <stdexcept>
#include <string>
#include <string_view>

namespace postwork::mail {

class MailError : public std::runtime_error {
 public:
  MailError(const std::string& what, bool retryable)
      : std::runtime_error(what), retryable_(retryable) {}
  bool retryable() const noexcept { return retryable_; }

 private:
  bool retryable_;
};

// Invalid input to the template/MIME code, or a message that cannot or must not
// be parsed (garbage, over the MIME-bomb limits). Always permanent.
class MimeError : public MailError {
 public:
  explicit MimeError(const std::string& what) : MailError(what, /*retryable=*/false) {}
};

// Encryption key or ciphertext problems (bad key format, wrong key id,
// authentication tag mismatch). Always permanent.
class SecretError : public MailError {
 public:
  explicit SecretError(const std::string& what) : MailError(what, /*retryable=*/false) {}
};

// What went wrong during an SMTP transaction.
enum class SmtpFailure {
  kConnect,   // DNS, TCP connect, connection dropped
  kTimeout,   // connect or transfer took too long
  kTls,       // handshake, certificate verification, STARTTLS unsupported
  kAuth,      // credentials rejected
  kRejected,  // the server answered 4xx/5xx to MAIL, RCPT or DATA
  kProtocol,  // malformed reply or local misuse (bad address, bad settings)
};

class SmtpError : public MailError {
 public:
  SmtpError(const std::string& what, bool retryable, SmtpFailure failure, int code,
            std::string response, bool hard_bounce, bool outcome_unknown = false)
      : MailError(what, retryable),
        failure_(failure),
        code_(code),
        response_(std::move(response)),
        hard_bounce_(hard_bounce),
        outcome_unknown_(outcome_unknown) {}

  SmtpFailure failure() const noexcept { return failure_; }
  // The SMTP reply code that ended the transaction, 0 when the server gave none.
  int code() const noexcept { return code_; }
  // The server's last reply line (without CRLF), empty when there was none.
  const std::string& response() const noexcept { return response_; }
  // The server rejected the recipient itself (5.1.x other than the sender-side
  // 5.1.7/5.1.8): the address should be suppressed, not retried.
  bool hard_bounce() const noexcept { return hard_bounce_; }
  // The whole message had been handed to the server when the connection broke
  // or timed out without a final reply: the server may or may not have
  // accepted it. Sending again could deliver it twice.
  bool outcome_unknown() const noexcept { return outcome_unknown_; }

 private:
  SmtpFailure failure_;
  int code_;
  std::string response_;
  bool hard_bounce_;
  bool outcome_unknown_;
};

// `text` with every occurrence of `secret` replaced by "***": for anything a
// client puts in an error, since a server (or curl) could echo credentials.
inline std::string RedactSecret(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
    text.replace(pos, secret.size(), "***");
    pos += 3;
  }
  return text;
}

// An IMAP session failed: connection, TLS, login, or a command the server
// refused (NO/BAD). Connection problems and timeouts are retryable; rejected
// credentials and refused commands are not. Never contains the password.
class ImapError : public MailError {
 public:
  ImapError(const std::string& what, bool retryable) : MailError(what, retryable) {}
};

}  // namespace postwork::mail
