#include "pg/array_literal.hpp"

namespace postwork::pg {

void ArrayLiteral::Separator() {
  if (size_++ > 0) text_.push_back(',');
}

ArrayLiteral& ArrayLiteral::Add(std::string_view value) {
  Separator();
  text_.reserve(text_.size() + value.size() + 2);
  text_.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') {
      text_.push_back('\\');
      text_.push_back(c);
    } else if (c == '\0') {
      text_.append("\xEF\xBF\xBD");
    } else {
      text_.push_back(c);
    }
  }
  text_.push_back('"');
  return *this;
}

ArrayLiteral& ArrayLiteral::Add(int64_t value) {
  Separator();
  text_.append(std::to_string(value));
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
