#pragma once
// Builds an outgoing message, serialized with CRLF line endings for SMTP.
//
// Every header value passes through HeaderSafe() and every address through
// IsValidAddress(), so no input can add a header (e.g. a subject of
// "Hi\r\nBcc: x@y" stays one Subject header). Non-ASCII subjects and display
// names become RFC 2047 encoded words; bodies are UTF-8 quoted-printable.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace postwork::mail {

struct Mailbox {
  std::string address{};  // "jane@example.com"
  std::string name{};     // display name, may be empty or non-ASCII
};

struct Header {
  std::string name{};
  std::string value{};
};

struct OutgoingMessage {
  Mailbox from{};
  Mailbox to{};
  std::string reply_to{};  // optional address
  std::string subject{};
  std::string text_body{};  // either body may be empty; both empty sends an empty text part
  std::string html_body{};
  std::string in_reply_to{};              // Message-ID of the message replied to, <> optional
  std::vector<std::string> references{};  // oldest first, <> optional
  // https URL; adds List-Unsubscribe and the RFC 8058 one-click header.
  std::string unsubscribe_url{};
  // E.g. {"X-Postwork-Warmup", "1"}. Names that the builder owns (From, To,
  // Subject, Content-*, Message-ID, ...) are refused.
  std::vector<Header> extra_headers{};
  std::optional<std::chrono::system_clock::time_point> date{};  // default: now
};

struct BuiltMessage {
  std::string bytes{};       // the whole message, CRLF line endings
  std::string message_id{};  // "random@sending-domain", without angle brackets
};

// Throws MimeError (permanent) on an invalid address, Message-ID, header name
// or unsubscribe URL.
BuiltMessage BuildMessage(const OutgoingMessage& message);

}  // namespace postwork::mail
