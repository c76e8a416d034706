#pragma once
// One incoming message, from either payload shape the queue accepts:
//   the seed's {tenant_id, email_account_id, direction, type, from, to, subject,
//               body: {plain, html}, headers, messageId, attachments}
//   or {raw: "<a whole RFC 5322 message>"} parsed with GMime (multipart,
//   charsets, encoded words, base64/quoted-printable, attachments).
// Attachments in the seed shape: [{filename, contentType, content (base64),
// contentId?, inline?}].
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mail/mime_parser.hpp"

namespace postwork::handlers::email {

struct IncomingEmail {
  std::optional<std::string> email_account_id;
  std::string direction = "inbound";
  std::string type = "email";
  std::string from, to, subject;  // to: comma-joined
  std::string text, html;
  nlohmann::json headers = nlohmann::json::object();  // name -> value (or array when repeated)
  std::vector<mail::Header> header_list;
  std::string message_id;  // without <>; synthesized from a digest when the message has none
  std::string in_reply_to;
  std::vector<std::string> references;
  std::vector<mail::Attachment> attachments;
  int64_t raw_size_bytes = 0;
  bool is_auto_reply = false;
  bool is_dsn = false;
  std::optional<mail::ParsedMessage> parsed;  // set for raw input (DSN parsing reads it)
};

// Throws PermanentError for a malformed payload or an unparsable/oversized raw message.
IncomingEmail IncomingEmailFromPayload(const nlohmann::json& payload, std::size_t max_raw_bytes);

// The seed's convertToHtml: escaped text, paragraphs and line breaks kept.
std::string PlainTextToHtml(const std::string& text);

}  // namespace postwork::handlers::email
