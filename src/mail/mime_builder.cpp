#include "mail/mime_builder.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "mail/address.hpp"
#include "mail/codec.hpp"
#include "mail/gmime_util.hpp"
#include "mail/mail_error.hpp"
#include "mail/mail_module.hpp"
#include "mail/template.hpp"

namespace postwork::mail {
namespace {

// Headers the builder sets itself or that would change routing or structure.
constexpr std::array<std::string_view, 18> kReservedHeaders = {"from",
                                                               "to",
                                                               "cc",
                                                               "bcc",
                                                               "subject",
                                                               "date",
                                                               "message-id",
                                                               "mime-version",
                                                               "in-reply-to",
                                                               "references",
                                                               "reply-to",
                                                               "sender",
                                                               "return-path",
                                                               "received",
                                                               "list-unsubscribe",
                                                               "list-unsubscribe-post",
                                                               "content-type",
                                                               "content-transfer-encoding"};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void CheckAddress(std::string_view address, std::string_view role) {
  if (!IsValidAddress(address)) throw MimeError("invalid " + std::string(role) + " address");
}

// RFC 5322 field-name: printable ASCII except ':'.
void CheckHeaderName(std::string_view name) {
  bool ok = !name.empty() && std::all_of(name.begin(), name.end(),
                                         [](char c) { return c > 0x20 && c < 0x7f && c != ':'; });
  if (!ok) throw MimeError("invalid header name");
  std::string lower = Lower(name);
  bool reserved =
      lower.rfind("content-", 0) == 0 ||
      std::find(kReservedHeaders.begin(), kReservedHeaders.end(), lower) != kReservedHeaders.end();
  if (reserved) throw MimeError("header " + std::string(name) + " is set by the builder");
}

// RFC 8058 requires HTTPS for one-click; '<', '>' and spaces would break the
// angle-bracketed header syntax.
void CheckUnsubscribeUrl(std::string_view url) {
  bool ok = Lower(url.substr(0, 8)) == "https://" && url.size() > 8 &&
            std::none_of(url.begin(), url.end(), [](char c) {
              auto u = static_cast<unsigned char>(c);
              return u <= 0x20 || u >= 0x7f || c == '<' || c == '>' || c == '"';
            });
  if (!ok) throw MimeError("unsubscribe URL must be an https URL without spaces or <>");
}

std::string RandomToken() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw MailError("random generator failed while creating a Message-ID", /*retryable=*/true);
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// GMime's DOS newline filter turns LF into CRLF; normalize first so CRLF and
// lone CR input do not end up as CR CR LF.
std::string ToUnixNewlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

gmime::Ptr<GMimeObject> TextPart(const char* subtype, const std::string& body) {
  gmime::Ptr<GMimeTextPart> part(g_mime_text_part_new_with_subtype(subtype));
  std::string unix_body = ToUnixNewlines(body);
  // Not g_mime_text_part_set_text(): it would transcode to the "best" legacy
  // charset; we always send UTF-8.
  gmime::Ptr<GMimeStream> stream(
      g_mime_stream_mem_new_with_buffer(unix_body.data(), unix_body.size()));
  gmime::Ptr<GMimeDataWrapper> content(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(GMIME_PART(part.get()), content.get());
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "charset", "utf-8");
  g_mime_part_set_content_encoding(GMIME_PART(part.get()), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  return gmime::Ptr<GMimeObject>(GMIME_OBJECT(part.release()));
}

gmime::Ptr<GMimeObject> Body(const OutgoingMessage& m) {
  bool has_text = !m.text_body.empty();
  bool has_html = !m.html_body.empty();
  if (has_text && has_html) {
    gmime::Ptr<GMimeMultipart> alt(g_mime_multipart_new_with_subtype("alternative"));
    // RFC 2046: alternatives in increasing order of preference.
    g_mime_multipart_add(alt.get(), TextPart("plain", m.text_body).get());
    g_mime_multipart_add(alt.get(), TextPart("html", m.html_body).get());
    return gmime::Ptr<GMimeObject>(GMIME_OBJECT(alt.release()));
  }
  if (has_html) return TextPart("html", m.html_body);
  return TextPart("plain", m.text_body);
}

void AddMailbox(GMimeMessage* msg, GMimeAddressType type, const Mailbox& mb) {
  std::string name = HeaderSafe(mb.name);
  InternetAddress* ia =
      internet_address_mailbox_new(name.empty() ? nullptr : name.c_str(), mb.address.c_str());
  // UTF-8 encoded words rather than GMime's guess at a legacy charset.
  internet_address_set_charset(ia, "utf-8");
  internet_address_list_add(g_mime_message_get_addresses(msg, type), ia);
  g_object_unref(ia);
}

void SetHeader(GMimeMessage* msg, const char* name, const std::string& value) {
  g_mime_object_set_header(GMIME_OBJECT(msg), name, value.c_str(), "utf-8");
}

}  // namespace

BuiltMessage gmime::BuildMessage(const OutgoingMessage& m) {
  gmime::EnsureInit();
  CheckAddress(m.from.address, "From");
  CheckAddress(m.to.address, "To");
  if (!m.reply_to.empty()) CheckAddress(m.reply_to, "Reply-To");
  if (!m.unsubscribe_url.empty()) CheckUnsubscribeUrl(m.unsubscribe_url);
  for (const Header& h : m.extra_headers) CheckHeaderName(h.name);

  BuiltMessage built{.message_id = RandomToken() + "@" + DomainOf(m.from.address)};

  // Without GMime's preset header order, headers appear in the order set here
  // and keep the spelling given (GMime's preset would write "Message-Id").
  gmime::Ptr<GMimeMessage> msg(g_mime_message_new(FALSE));
  AddMailbox(msg.get(), GMIME_ADDRESS_TYPE_FROM, m.from);
  AddMailbox(msg.get(), GMIME_ADDRESS_TYPE_TO, m.to);
  if (!m.reply_to.empty())
    AddMailbox(msg.get(), GMIME_ADDRESS_TYPE_REPLY_TO, {.address = m.reply_to});
  g_mime_message_set_subject(msg.get(), HeaderSafe(m.subject).c_str(), "utf-8");

  auto when = m.date.value_or(std::chrono::system_clock::now());
  auto unix_seconds = std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch());
  gmime::DateTime date(g_date_time_new_from_unix_utc(unix_seconds.count()));
  g_mime_message_set_date(msg.get(), date.get());
  SetHeader(msg.get(), "Message-ID", "<" + built.message_id + ">");

  if (!m.in_reply_to.empty()) {
    SetHeader(msg.get(), "In-Reply-To", "<" + NormalizeMessageId(m.in_reply_to) + ">");
  }
  if (!m.references.empty()) {
    std::string refs;
    for (const std::string& r : m.references) {
      if (!refs.empty()) refs.push_back(' ');
      refs += "<" + NormalizeMessageId(r) + ">";
    }
    SetHeader(msg.get(), "References", refs);
  }
  if (!m.unsubscribe_url.empty()) {
    SetHeader(msg.get(), "List-Unsubscribe", "<" + m.unsubscribe_url + ">");
    SetHeader(msg.get(), "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
  }
  for (const Header& h : m.extra_headers) {
    g_mime_object_append_header(GMIME_OBJECT(msg.get()), h.name.c_str(),
                                HeaderSafe(h.value).c_str(), "utf-8");
  }

  g_mime_message_set_mime_part(msg.get(), Body(m).get());

  gmime::FormatOptions options(g_mime_format_options_clone(nullptr));
  g_mime_format_options_set_newline_format(options.get(), GMIME_NEWLINE_FORMAT_DOS);
  built.bytes = gmime::Serialize(GMIME_OBJECT(msg.get()), options.get());
  return built;
}

}  // namespace postwork::mail
