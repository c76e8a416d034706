#include "mail/mime_parser.hpp"

#include <algorithm>
#include <cctype>

#include "mail/auto_reply.hpp"
#include "mail/codec.hpp"
#include "mail/gmime_util.hpp"
#include "mail/mail_error.hpp"
#include "mail/mail_module.hpp"

namespace postwork::mail {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

[[noreturn]] void TooManyParts(const ParseLimits& limits) {
  throw MimeError("message rejected: more than " + std::to_string(limits.max_parts) +
                  " MIME parts (limit max_parts)");
}

// GMime's parser recurses once per nested container, so a message with
// thousands of nested multiparts could exhaust the stack before the tree walk
// below ever sees it. Every container needs its own Content-Type header, so
// counting those lines first bounds the parser's depth cheaply.
void PrecheckPartCount(std::string_view raw, const ParseLimits& limits) {
  constexpr std::string_view kField = "content-type:";
  long count = 0;
  size_t pos = 0;
  while (pos < raw.size()) {
    if (raw.size() - pos >= kField.size() &&
        EqualsIgnoreCase(raw.substr(pos, kField.size()), kField)) {
      if (++count > limits.max_parts) TooManyParts(limits);
    }
    size_t nl = raw.find('\n', pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
}

// Declared charsets lie; a body that is still not UTF-8 after GMime's
// conversion is most likely Windows-1252 (a superset of Latin-1 in practice).
std::string EnsureUtf8(std::string text) {
  if (g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) return text;
  for (const char* from : {"WINDOWS-1252", "ISO-8859-1"}) {
    gsize written = 0;
    gmime::CString converted(g_convert(text.data(), static_cast<gssize>(text.size()), "UTF-8", from,
                                       nullptr, &written, nullptr));
    if (converted) return std::string(converted.get(), written);
  }
  return text;
}

std::vector<Mailbox> Addresses(InternetAddressList* list) {
  std::vector<Mailbox> out;
  if (list == nullptr) return out;
  for (int i = 0; i < internet_address_list_length(list); ++i) {
    InternetAddress* ia = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
      out.push_back(
          {.address = gmime::Str(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia))),
           .name = gmime::Str(internet_address_get_name(ia))});
    } else if (INTERNET_ADDRESS_IS_GROUP(ia)) {
      auto members = Addresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)));
      out.insert(out.end(), members.begin(), members.end());
    }
  }
  return out;
}

std::vector<std::string> MessageIds(const char* header_value) {
  std::vector<std::string> ids;
  if (header_value == nullptr) return ids;
  gmime::References refs(g_mime_references_parse(nullptr, header_value));
  if (!refs) return ids;
  for (int i = 0; i < g_mime_references_length(refs.get()); ++i) {
    ids.push_back(gmime::Str(g_mime_references_get_message_id(refs.get(), i)));
  }
  return ids;
}

std::vector<Header> Headers(GMimeObject* object) {
  std::vector<Header> out;
  GMimeHeaderList* list = g_mime_object_get_header_list(object);
  for (int i = 0; i < g_mime_header_list_get_count(list); ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    out.push_back({.name = gmime::Str(g_mime_header_get_name(h)),
                   .value = gmime::Str(g_mime_header_get_value(h))});
  }
  return out;
}

std::string ContentTypeOf(GMimeObject* object) {
  GMimeContentType* ct = g_mime_object_get_content_type(object);
  return ct ? Lower(gmime::TakeString(g_mime_content_type_get_mime_type(ct))) : "text/plain";
}

// Walks the MIME tree once, enforcing the limits and sorting each leaf into a
// body, an attachment or a delivery-report piece.
class Walker {
 public:
  Walker(ParsedMessage& out, const ParseLimits& limits) : out_(out), limits_(limits) {}

  // `embedded`: inside an attached message, whose parts only count toward the
  // limits; the attached message itself is reported as one attachment.
  void Walk(GMimeObject* object, int depth, bool embedded, bool in_report) {
    if (depth > limits_.max_depth) {
      throw MimeError("message rejected: MIME nesting deeper than " +
                      std::to_string(limits_.max_depth) + " levels (limit max_depth)");
    }
    if (++parts_ > limits_.max_parts) TooManyParts(limits_);

    if (GMIME_IS_MULTIPART(object)) {
      GMimeContentType* ct = g_mime_object_get_content_type(object);
      const char* report_type = g_mime_content_type_get_parameter(ct, "report-type");
      bool is_report = g_mime_content_type_is_type(ct, "multipart", "report") &&
                       report_type != nullptr && EqualsIgnoreCase(report_type, "delivery-status");
      if (is_report && !embedded) out_.is_dsn = true;
      GMimeMultipart* multipart = GMIME_MULTIPART(object);
      for (int i = 0; i < g_mime_multipart_get_count(multipart); ++i) {
        Walk(g_mime_multipart_get_part(multipart, i), depth + 1, embedded, is_report);
      }
    } else if (GMIME_IS_MESSAGE_PART(object)) {
      GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
      if (!embedded) {
        if (in_report && inner != nullptr && out_.returned_headers.empty()) {
          out_.returned_headers =
              gmime::TakeString(g_mime_object_get_headers(GMIME_OBJECT(inner), nullptr));
        }
        AddAttachment(object,
                      inner != nullptr ? gmime::Serialize(GMIME_OBJECT(inner), nullptr) : "");
      }
      if (inner != nullptr && inner->mime_part != nullptr) {
        Walk(inner->mime_part, depth + 1, /*embedded=*/true, /*in_report=*/false);
      }
    } else if (GMIME_IS_PART(object) && !embedded) {
      Leaf(GMIME_PART(object), in_report);
    }
  }

 private:
  void Leaf(GMimePart* part, bool in_report) {
    GMimeObject* object = GMIME_OBJECT(part);
    std::string type = ContentTypeOf(object);
    if (in_report &&
        (type == "message/delivery-status" || type == "message/global-delivery-status")) {
      if (out_.delivery_status.empty()) out_.delivery_status = gmime::PartContentBytes(part);
      return;
    }
    if (in_report && type == "text/rfc822-headers") {
      if (out_.returned_headers.empty()) out_.returned_headers = gmime::PartContentBytes(part);
      return;
    }
    bool is_body_candidate = GMIME_IS_TEXT_PART(part) && !g_mime_part_is_attachment(part) &&
                             g_mime_part_get_filename(part) == nullptr;
    std::string* body = type == "text/plain"  ? &out_.text_body
                        : type == "text/html" ? &out_.html_body
                                              : nullptr;
    if (is_body_candidate && body != nullptr && body->empty()) {
      *body = EnsureUtf8(gmime::TakeString(g_mime_text_part_get_text(GMIME_TEXT_PART(part))));
      return;
    }
    AddAttachment(object, gmime::PartContentBytes(part));
  }

  void AddAttachment(GMimeObject* object, std::string data) {
    const char* disposition = g_mime_object_get_disposition(object);
    std::string content_id = gmime::Str(g_mime_object_get_content_id(object));
    const char* filename =
        GMIME_IS_PART(object) ? g_mime_part_get_filename(GMIME_PART(object)) : nullptr;
    if (filename == nullptr) {
      GMimeContentDisposition* cd = g_mime_object_get_content_disposition(object);
      if (cd != nullptr) filename = g_mime_content_disposition_get_parameter(cd, "filename");
    }
    bool is_inline =
        disposition != nullptr ? EqualsIgnoreCase(disposition, "inline") : !content_id.empty();
    std::string digest = Sha256Hex(data);
    out_.attachments.push_back({.filename = gmime::Str(filename),
                                .content_type = ContentTypeOf(object),
                                .content_id = std::move(content_id),
                                .data = std::move(data),
                                .sha256_hex = std::move(digest),
                                .is_inline = is_inline});
  }

  ParsedMessage& out_;
  const ParseLimits& limits_;
  int parts_ = 0;
};

}  // namespace

ParsedMessage gmime::ParseMessage(std::string_view raw, const ParseLimits& limits) {
  gmime::EnsureInit();
  if (raw.size() > limits.max_size) {
    throw MimeError("message rejected: " + std::to_string(raw.size()) + " bytes exceeds " +
                    std::to_string(limits.max_size) + " (limit max_size)");
  }
  PrecheckPartCount(raw, limits);

  gmime::Ptr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  gmime::Ptr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  gmime::Ptr<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), nullptr));
  GMimeObject* object = GMIME_OBJECT(msg.get());
  if (!msg || g_mime_header_list_get_count(g_mime_object_get_header_list(object)) == 0) {
    throw MimeError("not an RFC 5322 message (no header block found)");
  }

  ParsedMessage out;
  out.from = Addresses(g_mime_message_get_from(msg.get()));
  out.to = Addresses(g_mime_message_get_to(msg.get()));
  out.cc = Addresses(g_mime_message_get_cc(msg.get()));
  out.reply_to = Addresses(g_mime_message_get_reply_to(msg.get()));
  out.subject = EnsureUtf8(gmime::Str(g_mime_message_get_subject(msg.get())));
  out.message_id = gmime::Str(g_mime_message_get_message_id(msg.get()));
  auto in_reply_to = MessageIds(g_mime_object_get_header(object, "In-Reply-To"));
  if (!in_reply_to.empty()) out.in_reply_to = in_reply_to.front();
  out.references = MessageIds(g_mime_object_get_header(object, "References"));
  if (GDateTime* date = g_mime_message_get_date(msg.get())) {
    out.date = std::chrono::sys_seconds(std::chrono::seconds(g_date_time_to_unix(date)));
  }
  out.headers = Headers(object);
  for (Header& h : out.headers) h.value = EnsureUtf8(std::move(h.value));

  if (msg->mime_part != nullptr) {
    Walker(out, limits).Walk(msg->mime_part, 1, /*embedded=*/false, /*in_report=*/false);
  }
  out.is_auto_reply = !out.is_dsn && LooksLikeAutoReply(out.headers, out.subject);
  return out;
}

}  // namespace postwork::mail
