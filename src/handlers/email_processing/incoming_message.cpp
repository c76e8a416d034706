#include "handlers/email_processing/incoming_message.hpp"

#include "handlers/email_common/job_fields.hpp"
#include "mail/address.hpp"
#include "mail/auto_reply.hpp"
#include "mail/codec.hpp"
#include "mail/mail_error.hpp"
#include "mail/template.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers::email {
namespace {
std::string Join(const std::vector<mail::Mailbox>& boxes) {
  std::string out;
  for (const auto& b : boxes) out += (out.empty() ? "" : ",") + b.address;
  return out;
}

nlohmann::json HeadersJson(const std::vector<mail::Header>& headers) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& h : headers) {
    if (!j.contains(h.name)) {
      j[h.name] = h.value;
    } else {
      if (!j[h.name].is_array()) j[h.name] = nlohmann::json::array({j[h.name]});
      j[h.name].push_back(h.value);
    }
  }
  return j;
}

std::vector<mail::Header> HeaderList(const nlohmann::json& headers) {
  std::vector<mail::Header> out;
  auto add = [&](const std::string& name, const nlohmann::json& v) {
    if (v.is_string()) out.push_back({name, v.get<std::string>()});
    if (v.is_array()) {
      for (const auto& e : v) {
        if (e.is_string()) out.push_back({name, e.get<std::string>()});
      }
    }
  };
  if (headers.is_object()) {
    for (const auto& [k, v] : headers.items()) add(k, v);
  } else if (headers.is_array()) {
    for (const auto& h : headers) {
      if (h.is_object() && h.contains("name") && h["name"].is_string()) {
        add(h["name"].get<std::string>(), h.value("value", nlohmann::json()));
      }
    }
  } else if (!headers.is_null()) {
    throw PermanentError("payload field \"headers\" must be an object or a list of {name, value}");
  }
  return out;
}

std::optional<std::string> Header(const std::vector<mail::Header>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (h.name.size() == name.size() &&
        std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return h.value;
    }
  }
  return std::nullopt;
}

// "<a@x> <b@y>" -> {"a@x", "b@y"}; anything without brackets is taken whole.
std::vector<std::string> MessageIds(const std::string& text) {
  std::vector<std::string> ids;
  size_t pos = 0;
  while ((pos = text.find('<', pos)) != std::string::npos) {
    size_t end = text.find('>', pos);
    if (end == std::string::npos) break;
    ids.push_back(text.substr(pos + 1, end - pos - 1));
    pos = end + 1;
  }
  if (ids.empty() && !text.empty() && text.find_first_of(" \t,") == std::string::npos)
    ids.push_back(text);
  return ids;
}

std::string NormalizedOrEmpty(const std::string& id) {
  try {
    return id.empty() ? "" : mail::NormalizeMessageId(id);
  } catch (const mail::MimeError&) {
    return "";
  }
}

std::vector<mail::Attachment> SeedAttachments(const nlohmann::json& list) {
  std::vector<mail::Attachment> out;
  if (list.is_null()) return out;
  if (!list.is_array()) throw PermanentError("payload field \"attachments\" must be a list");
  for (const auto& a : list) {
    if (!a.is_object()) throw PermanentError("each attachment must be an object");
    auto content = OptionalString(a, "content");
    if (!content) throw PermanentError("each attachment needs \"content\" (base64)");
    auto data = mail::Base64Decode(*content);
    if (!data) throw PermanentError("attachment content is not valid base64");
    mail::Attachment att;
    att.filename = OptionalString(a, "filename").value_or("");
    att.content_type =
        OptionalString(a, "contentType")
            .value_or(OptionalString(a, "content_type").value_or("application/octet-stream"));
    att.content_id = OptionalString(a, "contentId").value_or("");
    att.is_inline = a.value("inline", false);
    att.sha256_hex = mail::Sha256Hex(*data);
    att.data = std::move(*data);
    out.push_back(std::move(att));
  }
  return out;
}

IncomingEmail FromRaw(const std::string& raw, std::size_t max_raw_bytes) {
  mail::ParsedMessage m;
  try {
    m = mail::ParseMessage(raw, {.max_size = max_raw_bytes});
  } catch (const mail::MimeError& e) {
    throw PermanentError(std::string("cannot parse the raw message: ") + e.what());
  }
  IncomingEmail in;
  in.from = m.from.empty() ? "" : m.from.front().address;
  in.to = Join(m.to);
  in.subject = m.subject;
  in.text = m.text_body;
  in.html = m.html_body;
  in.header_list = m.headers;
  in.headers = HeadersJson(m.headers);
  in.message_id = m.message_id;
  in.in_reply_to = m.in_reply_to;
  in.references = m.references;
  in.attachments = m.attachments;
  in.raw_size_bytes = static_cast<int64_t>(raw.size());
  in.is_auto_reply = m.is_auto_reply;
  in.is_dsn = m.is_dsn;
  in.parsed = std::move(m);
  return in;
}

IncomingEmail FromSeedFields(const nlohmann::json& p) {
  IncomingEmail in;
  in.from = OptionalString(p, "from").value_or("");
  if (auto it = p.find("to"); it != p.end() && it->is_array()) {
    for (const auto& t : *it) {
      if (t.is_string()) in.to += (in.to.empty() ? "" : ",") + t.get<std::string>();
    }
  } else {
    in.to = OptionalString(p, "to").value_or("");
  }
  in.subject = OptionalString(p, "subject").value_or("");
  if (auto it = p.find("body"); it != p.end() && !it->is_null()) {
    if (!it->is_object()) throw PermanentError("payload field \"body\" must be {plain, html}");
    in.text = OptionalString(*it, "plain").value_or("");
    in.html = OptionalString(*it, "html").value_or("");
  }
  in.header_list = HeaderList(p.value("headers", nlohmann::json()));
  in.headers = HeadersJson(in.header_list);
  in.message_id = NormalizedOrEmpty(
      OptionalString(p, "messageId")
          .value_or(OptionalString(p, "message_id")
                        .value_or(Header(in.header_list, "Message-ID").value_or(""))));
  std::string irt =
      OptionalString(p, "inReplyTo")
          .value_or(OptionalString(p, "in_reply_to")
                        .value_or(Header(in.header_list, "In-Reply-To").value_or("")));
  auto irt_ids = MessageIds(irt);
  in.in_reply_to = irt_ids.empty() ? "" : NormalizedOrEmpty(irt_ids.front());
  std::string refs;
  if (auto it = p.find("references"); it != p.end() && it->is_array()) {
    for (const auto& r : *it) {
      if (r.is_string()) refs += "<" + r.get<std::string>() + "> ";
    }
  } else {
    refs =
        OptionalString(p, "references").value_or(Header(in.header_list, "References").value_or(""));
  }
  for (const auto& id : MessageIds(refs)) {
    if (auto n = NormalizedOrEmpty(id); !n.empty()) in.references.push_back(n);
  }
  in.attachments = SeedAttachments(p.value("attachments", nlohmann::json()));
  // The seed's calculateSize(body).
  in.raw_size_bytes = static_cast<int64_t>(in.text.size() + in.html.size());
  in.is_auto_reply = mail::LooksLikeAutoReply(in.header_list, in.subject);
  return in;
}
}  // namespace

std::string PlainTextToHtml(const std::string& text) {
  std::string out = "<p>";
  std::string escaped = mail::HtmlEscape(text);
  for (size_t i = 0; i < escaped.size(); ++i) {
    char c = escaped[i];
    if (c == '\r') continue;
    if (c == '\n') {
      bool paragraph = i + 1 < escaped.size() && escaped[i + 1] == '\n';
      out += paragraph ? "</p>\n<p>" : "<br>\n";
      if (paragraph) ++i;
      continue;
    }
    out += c;
  }
  return out + "</p>";
}

IncomingEmail IncomingEmailFromPayload(const nlohmann::json& p, std::size_t max_raw_bytes) {
  if (!p.is_object()) throw PermanentError("payload must be a JSON object");
  auto raw = OptionalString(p, "raw");
  IncomingEmail in = raw ? FromRaw(*raw, max_raw_bytes) : FromSeedFields(p);
  in.email_account_id = OptionalId(p, "email_account_id");
  if (auto d = OptionalString(p, "direction")) in.direction = *d;
  if (in.direction != "inbound" && in.direction != "outbound") {
    throw PermanentError("payload field \"direction\" must be \"inbound\" or \"outbound\"");
  }
  if (auto t = OptionalString(p, "type"); t && !t->empty()) in.type = *t;
  if (in.html.empty() && !in.text.empty()) in.html = PlainTextToHtml(in.text);
  if (in.message_id.empty()) {
    // No Message-ID: a digest of what arrived keeps a re-run from storing it twice.
    std::string basis = raw ? *raw : in.from + "\n" + in.to + "\n" + in.subject + "\n" + in.text;
    in.message_id = mail::Sha256Hex(basis).substr(0, 40) + "@no-message-id.postwork.invalid";
  }
  return in;
}

}  // namespace postwork::handlers::email
