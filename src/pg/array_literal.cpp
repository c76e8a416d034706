#include "pg/array_literal.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace postwork::pg {
namespace {
// Decimal, without a string per number (std::to_string allocates past 15
// digits: every fencing token).
void AppendInt(std::string& out, int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, static_cast<size_t>(end - buf));
}
}  // namespace

void ArrayLiteral::Separator() {
  if (size_++ > 0) text_.push_back(',');
}

ArrayLiteral& ArrayLiteral::Add(std::string_view value) {
  Separator();
  text_.reserve(text_.size() + value.size() + 2);
  text_.push_back('"');
  // Runs without a quote, a backslash or a NUL are appended whole (an id, a
  // result: per element, most of a batch's literal).
  size_t run = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c != '"' && c != '\\' && c != '\0') continue;
    text_.append(value.data() + run, i - run);
    if (c == '\0') {
      text_.append("\xEF\xBF\xBD");
    } else {
      text_.push_back('\\');
      text_.push_back(c);
    }
    run = i + 1;
  }
  text_.append(value.data() + run, value.size() - run);
  text_.push_back('"');
  return *this;
}

ArrayLiteral& ArrayLiteral::Add(int64_t value) {
  Separator();
  AppendInt(text_, value);
  return *this;
}

ArrayLiteral& ArrayLiteral::AddNull() {
  Separator();
  text_.append("NULL");
  return *this;
}

std::string ArrayLiteral::Take() {
  text_.push_back('}');
  std::string out = std::move(text_);
  text_.assign(1, '{');
  size_ = 0;
  return out;
}

void CopyRows::Separator() {
  if (row_open_) text_.push_back('\t');
  row_open_ = true;
}

CopyRows& CopyRows::Add(std::string_view value) {
  Separator();
  text_.reserve(text_.size() + value.size());
  size_t run = 0;  // start of the bytes not copied yet
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const char* escaped = nullptr;
    switch (c) {
      case '\\':
        escaped = "\\\\";
        break;
      case '\t':
        escaped = "\\t";
        break;
      case '\n':
        escaped = "\\n";
        break;
      case '\r':
        escaped = "\\r";
        break;
      case '\0':
        escaped = "\xEF\xBF\xBD";
        break;
      default:
        continue;
    }
    text_.append(value.data() + run, i - run);
    text_.append(escaped);
    run = i + 1;
  }
  text_.append(value.data() + run, value.size() - run);
  return *this;
}

CopyRows& CopyRows::Add(int64_t value) {
  Separator();
  AppendInt(text_, value);
  return *this;
}

CopyRows& CopyRows::AddNull() {
  Separator();
  text_.append("\\N");
  return *this;
}

CopyRows& CopyRows::EndRow() {
  text_.push_back('\n');
  row_open_ = false;
  ++rows_;
  return *this;
}

std::string TimestampText(int64_t epoch_ms) {
  int64_t secs = epoch_ms / 1000, ms = epoch_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%04d-%02d-%02d %02d:%02d:%02d.%03d+00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return out;
}

std::string JsonbText(std::string json_text) {
  size_t pos = 0;
  while ((pos = json_text.find("\\u0000", pos)) != std::string::npos) {
    // An escaped backslash followed by "u0000" is text, not a NUL.
    size_t slashes = 0;
    for (size_t i = pos; i > 0 && json_text[i - 1] == '\\'; --i) ++slashes;
    if (slashes % 2 == 0) json_text.replace(pos, 6, "\\ufffd");
    pos += 6;
  }
  return json_text;
}

}  // namespace postwork::pg
