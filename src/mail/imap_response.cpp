#include "mail/imap_response.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "mail/mail_error.hpp"

namespace postwork::mail {
namespace {

// Bounds the work a hostile server can cause with deeply nested lists.
constexpr int kMaxDepth = 32;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

[[noreturn]] void Malformed(const std::string& what) {
  throw ImapError("IMAP: malformed server response (" + what + ")", false);
}

// Reads one untagged response starting after "* ".
class ResponseReader {
 public:
  explicit ResponseReader(std::string_view text, size_t pos) : text_(text), pos_(pos) {}
  size_t pos() const { return pos_; }

  std::vector<ImapToken> ReadResponse() {
    std::vector<ImapToken> tokens;
    ReadItems(tokens, 0);
    return tokens;
  }

  // Skips the rest of the current line (free text of a status response).
  void SkipLine() {
    size_t nl = text_.find('\n', pos_);
    pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  // Items until ')' (depth > 0) or the end of the line (depth 0).
  void ReadItems(std::vector<ImapToken>& out, int depth) {
    if (depth > kMaxDepth) Malformed("lists nested too deeply");
    while (!AtEnd()) {
      char c = Peek();
      if (c == ' ') {
        ++pos_;
      } else if (c == '\r' || c == '\n') {
        if (depth > 0) Malformed("line ends inside a list");
        SkipLine();
        return;
      } else if (c == ')') {
        if (depth == 0) Malformed("unbalanced ')'");
        ++pos_;
        return;
      } else if (c == '(') {
        ++pos_;
        ImapToken list{.kind = ImapToken::Kind::kList};
        ReadItems(list.items, depth + 1);
        out.push_back(std::move(list));
      } else if (c == '"') {
        out.push_back({.kind = ImapToken::Kind::kString, .text = ReadQuoted()});
      } else if (c == '{') {
        out.push_back({.kind = ImapToken::Kind::kString, .text = ReadLiteral()});
      } else {
        std::string atom = ReadAtom();
        bool nil = EqualsIgnoreCase(atom, "NIL");
        out.push_back({.kind = nil ? ImapToken::Kind::kNil : ImapToken::Kind::kAtom,
                       .text = nil ? "" : std::move(atom)});
      }
    }
    if (depth > 0) Malformed("response ends inside a list");
  }

  std::string ReadQuoted() {
    std::string out;
    for (++pos_; !AtEnd(); ++pos_) {
      char c = Peek();
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\r' || c == '\n') break;
      if (c == '\\') {
        if (++pos_ >= text_.size()) break;
        c = Peek();
      }
      out.push_back(c);
    }
    Malformed("unterminated quoted string");
  }

  // {n}CRLF followed by n bytes ({n+} is the non-synchronizing form).
  std::string ReadLiteral() {
    size_t close = text_.find('}', pos_);
    if (close == std::string_view::npos) Malformed("unterminated literal size");
    std::string_view digits = text_.substr(pos_ + 1, close - pos_ - 1);
    if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
    size_t size = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      Malformed("bad literal size");
    }
    pos_ = close + 1;
    if (text_.substr(pos_, 2) == "\r\n") {
      pos_ += 2;
    } else if (!AtEnd() && Peek() == '\n') {
      ++pos_;
    } else {
      Malformed("literal size not followed by CRLF");
    }
    if (size > text_.size() - pos_) Malformed("literal longer than the response");
    std::string out(text_.substr(pos_, size));
    pos_ += size;
    return out;
  }

  // An atom; a '[' inside it runs to the matching ']' so that
  // BODY[HEADER.FIELDS (FROM)] and [UIDVALIDITY 3] stay one token.
  std::string ReadAtom() {
    size_t start = pos_;
    int brackets = 0;
    while (!AtEnd()) {
      char c = Peek();
      if (c == '\r' || c == '\n') break;
      if (brackets == 0 && (c == ' ' || c == '(' || c == ')' || c == '"' || c == '{')) break;
      if (c == '[') ++brackets;
      if (c == ']' && brackets > 0) --brackets;
      ++pos_;
    }
    if (brackets != 0) Malformed("unbalanced '['");
    if (pos_ == start) Malformed("unexpected character");
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string_view text_;
  size_t pos_;
};

bool IsStatusWord(std::string_view word) {
  for (std::string_view s : {"OK", "NO", "BAD", "BYE", "PREAUTH"}) {
    if (EqualsIgnoreCase(word, s)) return true;
  }
  return false;
}

uint32_t ToNumber(const ImapToken& t, const char* what) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), value);
  if (t.kind != ImapToken::Kind::kAtom || ec != std::errc() ||
      end != t.text.data() + t.text.size()) {
    Malformed(std::string("expected a number for ") + what);
  }
  return value;
}

}  // namespace

bool ImapToken::IsAtom(std::string_view name) const {
  return kind == Kind::kAtom && EqualsIgnoreCase(text, name);
}

bool ImapMailbox::HasAttribute(std::string_view attribute) const {
  return std::any_of(attributes.begin(), attributes.end(),
                     [&](const std::string& a) { return EqualsIgnoreCase(a, attribute); });
}

bool ImapFetched::HasFlag(std::string_view flag) const {
  return std::any_of(flags.begin(), flags.end(),
                     [&](const std::string& f) { return EqualsIgnoreCase(f, flag); });
}

std::vector<std::vector<ImapToken>> ParseUntagged(std::string_view transcript) {
  std::vector<std::vector<ImapToken>> out;
  size_t pos = 0;
  while (pos < transcript.size()) {
    if (transcript.substr(pos, 2) != "* ") {
      size_t nl = transcript.find('\n', pos);
      pos = nl == std::string_view::npos ? transcript.size() : nl + 1;
      continue;
    }
    ResponseReader reader(transcript, pos + 2);
    size_t word_end = transcript.find_first_of(" \r\n", pos + 2);
    std::string_view first = transcript.substr(
        pos + 2, word_end == std::string_view::npos ? std::string_view::npos : word_end - pos - 2);
    if (IsStatusWord(first)) {
      out.push_back({{.kind = ImapToken::Kind::kAtom, .text = Upper(first)}});
      reader.SkipLine();
    } else {
      out.push_back(reader.ReadResponse());
    }
    pos = reader.pos();
  }
  return out;
}

std::string TaggedFailure(std::string_view transcript) {
  std::string last;
  size_t pos = 0;
  while (pos < transcript.size()) {
    size_t nl = transcript.find('\n', pos);
    std::string_view line =
        transcript.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? transcript.size() : nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    size_t sp = line.find(' ');
    if (line.empty() || line[0] == '*' || line[0] == '+' || sp == std::string_view::npos) continue;
    std::string_view rest = line.substr(sp + 1);
    if (rest.size() >= 3 && (EqualsIgnoreCase(rest.substr(0, 3), "NO ") ||
                             (rest.size() >= 4 && EqualsIgnoreCase(rest.substr(0, 4), "BAD ")))) {
      last = std::string(line);
    }
  }
  return last;
}

std::vector<std::string> ParseCapabilities(std::string_view transcript) {
  std::vector<std::string> caps;
  for (const auto& r : ParseUntagged(transcript)) {
    if (r.empty() || !r[0].IsAtom("CAPABILITY")) continue;
    for (size_t i = 1; i < r.size(); ++i) {
      if (r[i].kind == ImapToken::Kind::kAtom) caps.push_back(Upper(r[i].text));
    }
  }
  return caps;
}

std::vector<ImapMailbox> ParseList(std::string_view transcript) {
  std::vector<ImapMailbox> out;
  for (const auto& r : ParseUntagged(transcript)) {
    // LIST (attributes) delimiter name [extended data]
    if (r.size() < 4 || !(r[0].IsAtom("LIST") || r[0].IsAtom("XLIST"))) continue;
    if (r[1].kind != ImapToken::Kind::kList) Malformed("LIST without attributes");
    ImapMailbox m;
    for (const auto& a : r[1].items) m.attributes.push_back(a.text);
    m.name = r[3].text;
    if (m.name.empty()) continue;
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<uint32_t> ParseSearch(std::string_view transcript) {
  std::vector<uint32_t> out;
  for (const auto& r : ParseUntagged(transcript)) {
    if (r.empty() || !r[0].IsAtom("SEARCH")) continue;
    for (size_t i = 1; i < r.size(); ++i) {
      if (r[i].kind == ImapToken::Kind::kList) break;  // ESEARCH-style (MODSEQ n)
      out.push_back(ToNumber(r[i], "SEARCH"));
    }
  }
  return out;
}

std::vector<ImapFetched> ParseFetch(std::string_view transcript) {
  std::vector<ImapFetched> out;
  for (const auto& r : ParseUntagged(transcript)) {
    // n FETCH (name value name value ...)
    if (r.size() < 3 || !r[1].IsAtom("FETCH")) continue;
    if (r[2].kind != ImapToken::Kind::kList) Malformed("FETCH without a list");
    ImapFetched f{.sequence = ToNumber(r[0], "FETCH sequence")};
    const auto& items = r[2].items;
    for (size_t i = 0; i + 1 < items.size(); i += 2) {
      const ImapToken& name = items[i];
      const ImapToken& value = items[i + 1];
      std::string upper = Upper(name.text);
      if (upper == "UID") {
        f.uid = ToNumber(value, "UID");
      } else if (upper == "FLAGS") {
        for (const auto& flag : value.items) f.flags.push_back(flag.text);
      } else if (upper.rfind("BODY[HEADER", 0) == 0 || upper == "RFC822.HEADER") {
        f.headers = value.text;
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::optional<std::string> HeaderValue(std::string_view headers, std::string_view name) {
  size_t pos = 0;
  while (pos < headers.size()) {
    size_t nl = headers.find('\n', pos);
    size_t end = nl == std::string_view::npos ? headers.size() : nl;
    std::string_view line = headers.substr(pos, end - pos);
    pos = end + 1;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !EqualsIgnoreCase(line.substr(0, colon), name)) continue;
    std::string value(line.substr(colon + 1));
    // Folded continuation lines start with whitespace; unfolding removes only the line break.
    while (pos < headers.size() && (headers[pos] == ' ' || headers[pos] == '\t')) {
      size_t next = headers.find('\n', pos);
      size_t stop = next == std::string_view::npos ? headers.size() : next;
      value += headers.substr(pos, stop - pos);
      pos = stop + 1;
    }
    std::erase(value, '\r');
    size_t first = value.find_first_not_of(" \t");
    size_t last = value.find_last_not_of(" \t");
    return first == std::string::npos ? "" : value.substr(first, last - first + 1);
  }
  return std::nullopt;
}

std::string ImapQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') {
      throw ImapError("IMAP: a mailbox name or search string cannot contain CR, LF or NUL", false);
    }
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string UidSet(std::vector<uint32_t> uids) {
  std::set<uint32_t> sorted(uids.begin(), uids.end());
  std::string out;
  for (uint32_t uid : sorted) {
    if (!out.empty()) out += ",";
    out += std::to_string(uid);
  }
  return out;
}

}  // namespace postwork::mail
