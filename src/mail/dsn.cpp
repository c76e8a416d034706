#include "mail/dsn.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace postwork::mail {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Length of an RFC 3463 code ("5.1.10") starting at `pos`, 0 if none.
size_t EnhancedCodeAt(std::string_view text, size_t pos) {
  if (pos >= text.size() || (text[pos] != '2' && text[pos] != '4' && text[pos] != '5')) return 0;
  size_t i = pos + 1;
  for (int field = 0; field < 2; ++field) {
    if (i >= text.size() || text[i] != '.') return 0;
    size_t digits = 0;
    for (++i; i < text.size() && IsDigit(text[i]); ++i) ++digits;
    if (digits < 1 || digits > 3) return 0;
  }
  return i - pos;
}

// The first stand-alone RFC 3463 code in free text.
std::string FindEnhancedCode(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && (IsDigit(text[i - 1]) || text[i - 1] == '.')) continue;
    size_t len = EnhancedCodeAt(text, i);
    if (len > 0 && (i + len == text.size() || text[i + len] != '.')) {
      return std::string(text.substr(i, len));
    }
  }
  return {};
}

// The first SMTP reply code (4xx/5xx) in free text: three digits followed by a
// space, '-' or the end, not part of a longer number or an enhanced code.
int FindSmtpCode(std::string_view text) {
  for (size_t i = 0; i + 3 <= text.size(); ++i) {
    if (i > 0 && (IsDigit(text[i - 1]) || text[i - 1] == '.')) continue;
    if ((text[i] != '4' && text[i] != '5') || !IsDigit(text[i + 1]) || !IsDigit(text[i + 2])) continue;
    if (i + 3 < text.size() && text[i + 3] != ' ' && text[i + 3] != '-') continue;
    return (text[i] - '0') * 100 + (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
  }
  return 0;
}

// "rfc822; <User@Example.com>" -> "User@Example.com"
std::string AfterType(std::string_view value) {
  size_t semi = value.find(';');
  std::string_view v = Trim(semi == std::string_view::npos ? value : value.substr(semi + 1));
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = Trim(v.substr(1, v.size() - 2));
  return std::string(v);
}

DsnAction ParseAction(std::string_view value) {
  std::string a = Lower(Trim(value.substr(0, value.find_first_of(" (;"))));
  if (a == "failed") return DsnAction::kFailed;
  if (a == "delayed") return DsnAction::kDelayed;
  if (a == "delivered") return DsnAction::kDelivered;
  if (a == "relayed") return DsnAction::kRelayed;
  if (a == "expanded") return DsnAction::kExpanded;
  return DsnAction::kUnknown;
}

// "5.0.0 (permanent failure)" -> "5.0.0"; anything malformed -> "".
std::string ParseStatus(std::string_view value) {
  std::string_view v = Trim(value);
  size_t len = EnhancedCodeAt(v, 0);
  if (len == 0 || (len < v.size() && v[len] != ' ' && v[len] != '(')) return {};
  return std::string(v.substr(0, len));
}

using Fields = std::vector<Header>;

// Splits an RFC 822-style field block into groups separated by blank lines,
// unfolding continuation lines. Lines without a colon are skipped, so junk in
// a hand-written report does not stop the parse.
std::vector<Fields> ParseFieldGroups(std::string_view text) {
  std::vector<Fields> groups(1);
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) {
      if (!groups.back().empty()) groups.emplace_back();
    } else if ((line.front() == ' ' || line.front() == '\t') && !groups.back().empty()) {
      groups.back().back().value += " " + std::string(Trim(line));
    } else if (size_t colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
      groups.back().push_back({.name = Lower(Trim(line.substr(0, colon))),
                               .value = std::string(Trim(line.substr(colon + 1)))});
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  if (groups.back().empty()) groups.pop_back();
  return groups;
}

std::optional<std::string> Field(const Fields& fields, std::string_view name) {
  for (const Header& f : fields) {
    if (f.name == name) return f.value;
  }
  return std::nullopt;
}

std::string MessageIdFrom(std::string_view header_block) {
  for (const Fields& group : ParseFieldGroups(header_block)) {
    if (auto id = Field(group, "message-id")) return AfterType(*id);
    // Only the first group is the header block; the rest would be a body.
    break;
  }
  return {};
}

// Exim and friends quote the bounced message inline after the explanation.
std::string MessageIdFromBody(std::string_view body) {
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    std::string_view line = Trim(body.substr(pos, nl == std::string_view::npos ? body.npos : nl - pos));
    if (line.size() > 11 && Lower(line.substr(0, 11)) == "message-id:") {
      return AfterType(line.substr(11));
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return {};
}

DsnRecipient RecipientFrom(const Fields& group) {
  DsnRecipient r;
  r.final_recipient = AfterType(Field(group, "final-recipient").value_or(""));
  r.original_recipient = AfterType(Field(group, "original-recipient").value_or(""));
  r.action = ParseAction(Field(group, "action").value_or(""));
  r.status = ParseStatus(Field(group, "status").value_or(""));
  r.diagnostic_code = AfterType(Field(group, "diagnostic-code").value_or(""));
  // "dns; mx.example.com. (2a00::1b, the server for ...)": keep the host only.
  std::string mta = AfterType(Field(group, "remote-mta").value_or(""));
  mta = mta.substr(0, mta.find_first_of(" \t"));
  if (!mta.empty() && mta.back() == '.') mta.pop_back();
  r.remote_mta = mta;
  r.bounce = ClassifyBounce(r.status, r.diagnostic_code, r.action);
  return r;
}

// The line of a plain-text bounce that carries the server's reply.
std::string DiagnosticLine(std::string_view body) {
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    std::string_view line = Trim(body.substr(pos, nl == std::string_view::npos ? body.npos : nl - pos));
    if (FindSmtpCode(line) != 0) return std::string(line);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return {};
}

std::vector<DsnRecipient> FromFailedRecipientsHeader(const ParsedMessage& m, std::string_view list) {
  std::vector<DsnRecipient> out;
  std::string diagnostic = DiagnosticLine(m.text_body);
  std::string status = FindEnhancedCode(diagnostic.empty() ? m.text_body : diagnostic);
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    std::string address = AfterType(list.substr(pos, comma == std::string_view::npos ? list.npos : comma - pos));
    if (!address.empty()) {
      out.push_back({.final_recipient = address,
                     .action = DsnAction::kFailed,
                     .status = status,
                     .diagnostic_code = diagnostic,
                     .bounce = ClassifyBounce(status, diagnostic, DsnAction::kFailed)});
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace

BounceClass ClassifyBounce(std::string_view status, std::string_view diagnostic_code,
                           DsnAction action) {
  std::string code = ParseStatus(status);
  if (!code.empty()) {
    if (code[0] == '5') return BounceClass::kHard;
    if (code[0] == '4') return BounceClass::kSoft;
    return BounceClass::kNone;
  }
  if (int smtp = FindSmtpCode(diagnostic_code); smtp != 0) {
    return smtp >= 500 ? BounceClass::kHard : BounceClass::kSoft;
  }
  std::string enhanced = FindEnhancedCode(diagnostic_code);
  if (!enhanced.empty() && enhanced[0] != '2') {
    return enhanced[0] == '5' ? BounceClass::kHard : BounceClass::kSoft;
  }
  if (action == DsnAction::kFailed) return BounceClass::kHard;
  if (action == DsnAction::kDelayed) return BounceClass::kSoft;
  return BounceClass::kNone;
}

DsnReport ParseDsn(const ParsedMessage& m) {
  DsnReport report;
  std::string status_message_id;  // Gmail's X-Original-Message-ID field
  if (!m.delivery_status.empty()) {
    for (const Fields& group : ParseFieldGroups(m.delivery_status)) {
      if (auto mta = Field(group, "reporting-mta"); mta && report.reporting_mta.empty()) {
        report.reporting_mta = AfterType(*mta);
      }
      if (auto id = Field(group, "x-original-message-id"); id && status_message_id.empty()) {
        status_message_id = AfterType(*id);
      }
      if (Field(group, "final-recipient") || Field(group, "original-recipient")) {
        report.recipients.push_back(RecipientFrom(group));
      }
    }
  } else if (auto failed = m.FindHeader("X-Failed-Recipients")) {
    report.recipients = FromFailedRecipientsHeader(m, *failed);
  } else {
    return report;
  }
  report.original_message_id = MessageIdFrom(m.returned_headers);
  if (report.original_message_id.empty()) report.original_message_id = status_message_id;
  if (report.original_message_id.empty()) {
    report.original_message_id = MessageIdFromBody(m.text_body);
  }
  return report;
}

DsnReport ParseDsn(std::string_view raw, const ParseLimits& limits) {
  return ParseDsn(ParseMessage(raw, limits));
}

}  // namespace postwork::mail
