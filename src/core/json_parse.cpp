#include "core/json_parse.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

namespace postwork::core {
namespace {
constexpr int kMaxDepth = 128;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool InRange(unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; }

// Length of the well-formed UTF-8 sequence at p (RFC 3629, the table nlohmann's
// lexer follows), or 0.
size_t Utf8Sequence(const char* p, const char* end) {
  auto at = [&](size_t i) { return static_cast<unsigned char>(p[i]); };
  const size_t left = static_cast<size_t>(end - p);
  const unsigned char c = at(0);
  if (InRange(c, 0xC2, 0xDF)) return left >= 2 && InRange(at(1), 0x80, 0xBF) ? 2 : 0;
  if (InRange(c, 0xE0, 0xEF)) {
    if (left < 3) return 0;
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
    return InRange(at(1), lo, hi) && InRange(at(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (InRange(c, 0xF0, 0xF4)) {
    if (left < 4) return 0;
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
    return InRange(at(1), lo, hi) && InRange(at(2), 0x80, 0xBF) && InRange(at(3), 0x80, 0xBF) ? 4
                                                                                              : 0;
  }
  return 0;
}

// Non-zero when one of the 8 bytes in `v` ends a plain run of string text: a
// quote, a backslash, a control character (< 0x20) or a byte of a multi-byte
// UTF-8 sequence (>= 0x80). Eight bytes per step instead of one: a payload's
// long strings (an email body) are most of an envelope's bytes. Each test is
// exact as a whole (a borrow can set a flag only above a byte that matches).
uint64_t PlainRunEnds(uint64_t v) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const uint64_t quote = has_zero(v ^ (kOnes * '"'));
  const uint64_t backslash = has_zero(v ^ (kOnes * '\\'));
  const uint64_t control = (v - kOnes * 0x20) & ~v & kHigh;
  return quote | backslash | control | (v & kHigh);
}

void AppendUtf8(std::string& s, uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class FastParser {
 public:
  explicit FastParser(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool Parse(nlohmann::json& out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    return p_ == end_;
  }

  // The text as one object, member by member: what Object would build, but
  // only the members `want` names are built, and handed to `take`. The others
  // are checked as strictly and dropped (a string into one reused buffer).
  bool Members(const std::function<bool(std::string_view)>& want,
               const std::function<void(std::string_view, nlohmann::json&&)>& take) {
    SkipSpace();
    if (p_ == end_ || *p_ != '{') return false;
    std::string key, scratch;
    const bool ok = ObjectMembers(key, [&] {
      if (want(key)) {
        nlohmann::json value;
        if (!Value(value, 1)) return false;
        take(key, std::move(value));
        return true;
      }
      if (p_ < end_ && *p_ == '"') {
        scratch.clear();
        return String(scratch);
      }
      nlohmann::json value;
      return Value(value, 1);
    });
    return ok && AtEnd();
  }

 private:
  bool AtEnd() {
    SkipSpace();
    return p_ == end_;
  }

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Value(nlohmann::json& out, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return Object(out, depth + 1);
      case '[':
        return Array(out, depth + 1);
      case '"': {
        std::string s;
        if (!String(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't':
        return Word("true", out, true);
      case 'f':
        return Word("false", out, false);
      case 'n':
        return Word("null", out, nullptr);
      default:
        return Number(out);
    }
  }

  template <typename T>
  bool Word(std::string_view word, nlohmann::json& out, T value) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    out = value;
    return true;
  }

  bool Object(nlohmann::json& out, int depth) {
    if (depth > kMaxDepth) return false;
    out = nlohmann::json::object();
    auto& object = out.get_ref<nlohmann::json::object_t&>();
    std::string key;
    return ObjectMembers(key, [&] {
      nlohmann::json value;
      if (!Value(value, depth)) return false;
      object[std::move(key)] = std::move(value);  // a repeated key: the last wins, as nlohmann
      return true;
    });
  }

  // At an object's opening brace: reads each member's key into `key` and
  // calls `value()` at its value, which reads the value and says whether it
  // was well formed. Ends past the closing brace.
  template <typename OnValue>
  bool ObjectMembers(std::string& key, OnValue value) {
    ++p_;
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (p_ == end_ || *p_ != '"') return false;
      key.clear();
      if (!String(key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      if (!value()) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
    }
  }

  bool Array(nlohmann::json& out, int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;
    out = nlohmann::json::array();
    auto& array = out.get_ref<nlohmann::json::array_t&>();
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      SkipSpace();
      array.emplace_back();
      if (!Value(array.back(), depth)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
    }
  }

  bool Hex4(uint32_t& out) {
    if (end_ - p_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      out <<= 4;
      if (IsDigit(c)) {
        out |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        out |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        out |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  }

  // After "\u": one code point, a surrogate pair taken as one.
  bool Escape(std::string& s) {
    uint32_t cp = 0;
    if (!Hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low = 0;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!Hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(s, cp);
    return true;
  }

  // At the opening quote. Plain runs are appended whole.
  bool String(std::string& s) {
    ++p_;
    const char* run = p_;
    while (true) {
      while (end_ - p_ >= 8) {
        uint64_t v;
        std::memcpy(&v, p_, 8);
        if (PlainRunEnds(v) != 0) break;
        p_ += 8;
      }
      while (p_ < end_) {
        const auto c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        s.append(run, p_);
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        const size_t n = Utf8Sequence(p_, end_);
        if (n == 0) return false;
        p_ += n;
        continue;
      }
      s.append(run, p_);
      if (++p_ == end_) return false;
      switch (*p_++) {
        case '"':
          s += '"';
          break;
        case '\\':
          s += '\\';
          break;
        case '/':
          s += '/';
          break;
        case 'b':
          s += '\b';
          break;
        case 'f':
          s += '\f';
          break;
        case 'n':
          s += '\n';
          break;
        case 'r':
          s += '\r';
          break;
        case 't':
          s += '\t';
          break;
        case 'u':
          if (!Escape(s)) return false;
          break;
        default:
          return false;
      }
      run = p_;
    }
  }

  void Digits() {
    while (p_ < end_ && IsDigit(*p_)) ++p_;
  }

  // nlohmann's types: a non-negative integer is unsigned, a negative one
  // signed, anything with a fraction or exponent a double. Out of range (an
  // integer over 64 bits, an infinite or underflowing double): not taken.
  bool Number(nlohmann::json& out) {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (IsDigit(*p_)) {
      Digits();
    } else {
      return false;
    }
    bool integer = true;
    if (p_ < end_ && *p_ == '.') {
      integer = false;
      if (++p_ == end_ || !IsDigit(*p_)) return false;
      Digits();
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      if (++p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      Digits();
    }
    if (integer && negative) {
      int64_t v = 0;
      auto r = std::from_chars(start, p_, v);
      if (r.ec != std::errc() || r.ptr != p_) return false;
      out = v;
    } else if (integer) {
      uint64_t v = 0;
      auto r = std::from_chars(start, p_, v);
      if (r.ec != std::errc() || r.ptr != p_) return false;
      out = v;
    } else {
      double v = 0;
      auto r = std::from_chars(start, p_, v);
      if (r.ec != std::errc() || r.ptr != p_ || !std::isfinite(v)) return false;
      out = v;
    }
    return true;
  }

  const char* p_;
  const char* end_;
};
}  // namespace

bool TryParseJsonFast(std::string_view text, nlohmann::json& out) {
  return FastParser(text).Parse(out);
}

bool TryParseJsonMembersFast(std::string_view text,
                             const std::function<bool(std::string_view)>& want,
                             const std::function<void(std::string_view, nlohmann::json&&)>& take) {
  return FastParser(text).Members(want, take);
}

nlohmann::json ParseJson(std::string_view text) {
  nlohmann::json out;
  if (TryParseJsonFast(text, out)) return out;
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

namespace {
class FastWriter {
 public:
  explicit FastWriter(std::string& out) : out_(out) {}

  bool Value(const nlohmann::json& v) {
    using T = nlohmann::json::value_t;
    switch (v.type()) {
      case T::null:
        out_ += "null";
        return true;
      case T::boolean:
        out_ += v.get_ref<const bool&>() ? "true" : "false";
        return true;
      case T::number_integer:
        return Integer(v.get_ref<const int64_t&>());
      case T::number_unsigned:
        return Integer(v.get_ref<const uint64_t&>());
      case T::number_float:
        out_ += v.dump();  // nlohmann's shortest round trip, and null for NaN
        return true;
      case T::string:
        return String(v.get_ref<const std::string&>());
      case T::array: {
        out_ += '[';
        bool first = true;
        for (const auto& e : v.get_ref<const nlohmann::json::array_t&>()) {
          if (!first) out_ += ',';
          first = false;
          if (!Value(e)) return false;
        }
        out_ += ']';
        return true;
      }
      case T::object: {
        out_ += '{';
        bool first = true;
        for (const auto& [key, e] : v.get_ref<const nlohmann::json::object_t&>()) {
          if (!first) out_ += ',';
          first = false;
          if (!String(key)) return false;
          out_ += ':';
          if (!Value(e)) return false;
        }
        out_ += '}';
        return true;
      }
      default:  // binary, discarded
        return false;
    }
  }

 private:
  template <typename N>
  bool Integer(N n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), n);
    out_.append(buf, end);
    return ec == std::errc{};
  }

  bool String(const std::string& s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += '"';
    const char* p = s.data();
    const char* const end = p + s.size();
    const char* run = p;
    while (p < end) {
      const auto c = static_cast<unsigned char>(*p);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        ++p;
        continue;
      }
      if (c >= 0x80) {
        const size_t n = Utf8Sequence(p, end);
        if (n == 0) return false;
        p += n;
        continue;
      }
      out_.append(run, p);
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\b':
          out_ += "\\b";
          break;
        case '\f':
          out_ += "\\f";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          out_ += "\\u00";
          out_ += kHex[c >> 4];
          out_ += kHex[c & 0xF];
      }
      run = ++p;
    }
    out_.append(run, p);
    out_ += '"';
    return true;
  }

  std::string& out_;
};
}  // namespace

std::string DumpJson(const nlohmann::json& value, nlohmann::json::error_handler_t handler) {
  std::string out;
  if (FastWriter(out).Value(value)) return out;
  return value.dump(-1, ' ', false, handler);
}

}  // namespace postwork::core
