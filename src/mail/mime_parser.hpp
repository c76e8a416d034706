#pragma once
// Parses a raw RFC 5322 message (a reply, an auto-reply, a bounce) into plain
// values: addresses, decoded subject, threading ids, UTF-8 bodies, attachments
// with their SHA-256, and the auto-reply / DSN flags the inbox jobs act on.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mail/mime_builder.hpp"

namespace postwork::mail {

// Guards against MIME bombs. Exceeding any of them throws a permanent MimeError.
struct ParseLimits {
  int max_depth = 20;                     // nesting of multiparts / embedded messages
  int max_parts = 500;                    // MIME entities, containers included
  std::size_t max_size = 25 * 1024 * 1024;  // raw message bytes
};

struct Attachment {
  std::string filename{};      // decoded (RFC 2231 / 2047), may be empty
  std::string content_type{};  // lower-case "type/subtype"
  std::string content_id{};    // without angle brackets, may be empty
  std::string data{};          // transfer-decoded bytes
  std::string sha256_hex{};
  bool is_inline = false;  // Content-Disposition: inline, or a Content-ID without disposition
};

struct ParsedMessage {
  std::vector<Mailbox> from{};
  std::vector<Mailbox> to{};
  std::vector<Mailbox> cc{};
  std::vector<Mailbox> reply_to{};
  std::string subject{};  // RFC 2047 decoded, UTF-8
  // Message ids are given without angle brackets.
  std::string message_id{};
  std::string in_reply_to{};
  std::vector<std::string> references{};
  std::optional<std::chrono::sys_seconds> date{};
  std::vector<Header> headers{};  // top-level headers in order, unfolded and decoded
  std::string text_body{};        // first text/plain body, UTF-8
  std::string html_body{};        // first text/html body, UTF-8
  std::vector<Attachment> attachments{};
  // Out-of-office and other automatic replies. False for DSNs, which are
  // reported by is_dsn instead.
  bool is_auto_reply = false;
  bool is_dsn = false;  // has a multipart/report; report-type=delivery-status
  // The pieces of a multipart/report that dsn.hpp reads: the decoded
  // message/delivery-status body and the header block of the returned message
  // (from its message/rfc822 or text/rfc822-headers part).
  std::string delivery_status{};
  std::string returned_headers{};

  // The first header with this name (case-insensitive), if any.
  std::optional<std::string> FindHeader(std::string_view name) const;
};

// Throws MimeError (permanent) when the input is not a message or exceeds the
// limits.
ParsedMessage ParseMessage(std::string_view raw, const ParseLimits& limits = {});

}  // namespace postwork::mail
