#include "mail/template.hpp"

#include <vector>

namespace postwork::mail {
namespace {

// Deeper spintax is rendered literally: bounds the recursion on hostile input.
constexpr int kMaxSpinDepth = 32;
// Longer names or fallbacks make "{{" plain text. Keeps the scan at each "{{"
// short, so a template of many "{{" and one endless name stays linear.
constexpr size_t kMaxNameLength = 128;
constexpr size_t kMaxFallbackLength = 1024;
constexpr size_t kMaxPadding = 16;  // spaces around a name: "{{ first_name }}"

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

struct Variable {
  std::string_view name;
  std::string_view fallback;
  bool has_fallback = false;
  size_t length = 0;  // bytes from "{{" through "}}"
};

// Recognizes "{{ name }}" or "{{ name | fallback }}" at `pos`. Anything else
// starting with "{{" (e.g. nested spintax "{{a|b}|c}") is not a variable.
bool ParseVariableAt(std::string_view text, size_t pos, Variable* var) {
  if (text.compare(pos, 2, "{{") != 0) return false;
  size_t i = pos + 2;
  while (i < text.size() && text[i] == ' ' && i - pos < kMaxPadding) ++i;
  if (i >= text.size() || !IsNameStart(text[i])) return false;
  size_t name_begin = i;
  while (i < text.size() && IsNameChar(text[i]) && i - name_begin <= kMaxNameLength) ++i;
  if (i - name_begin > kMaxNameLength) return false;
  var->name = text.substr(name_begin, i - name_begin);
  size_t name_end = i;
  while (i < text.size() && text[i] == ' ' && i - name_end < kMaxPadding) ++i;
  var->has_fallback = false;
  var->fallback = {};
  if (i < text.size() && text[i] == '|') {
    size_t fb_begin = ++i;
    while (i < text.size() && text[i] != '}' && text[i] != '{' && i - fb_begin <= kMaxFallbackLength) ++i;
    if (i - fb_begin > kMaxFallbackLength) return false;
    var->has_fallback = true;
    var->fallback = text.substr(fb_begin, i - fb_begin);
    // Trim the fallback: "{{ name | there }}" means "there".
    while (!var->fallback.empty() && var->fallback.front() == ' ') var->fallback.remove_prefix(1);
    while (!var->fallback.empty() && var->fallback.back() == ' ') var->fallback.remove_suffix(1);
  }
  if (text.compare(i, 2, "}}") != 0) return false;
  var->length = i + 2 - pos;
  return true;
}

// For every '{' in `text`, the index of its matching '}' (npos when
// unmatched), with variables treated as opaque. One pass with a stack, so a
// template full of unmatched braces stays linear.
std::vector<size_t> MatchBraces(std::string_view text) {
  std::vector<size_t> match(text.size(), std::string_view::npos);
  std::vector<size_t> open;
  Variable var;
  for (size_t i = 0; i < text.size(); ++i) {
    if (ParseVariableAt(text, i, &var)) {
      i += var.length - 1;
    } else if (text[i] == '{') {
      open.push_back(i);
    } else if (text[i] == '}' && !open.empty()) {
      match[open.back()] = i;
      open.pop_back();
    }
  }
  return match;
}

// Splits a group's inner text at '|' that are not inside a nested group or a
// variable.
std::vector<std::string_view> SplitOptions(std::string_view inner) {
  std::vector<std::string_view> options;
  int depth = 0;
  size_t start = 0;
  Variable var;
  for (size_t i = 0; i < inner.size(); ++i) {
    if (ParseVariableAt(inner, i, &var)) {
      i += var.length - 1;
    } else if (inner[i] == '{') {
      ++depth;
    } else if (inner[i] == '}') {
      --depth;
    } else if (inner[i] == '|' && depth == 0) {
      options.push_back(inner.substr(start, i - start));
      start = i + 1;
    }
  }
  options.push_back(inner.substr(start));
  return options;
}

std::string ValueText(const nlohmann::json& variables, std::string_view name, bool* present) {
  *present = false;
  if (!variables.is_object()) return {};
  auto it = variables.find(std::string(name));
  if (it == variables.end()) return {};
  const nlohmann::json& v = *it;
  std::string out;
  if (v.is_string()) {
    out = v.get<std::string>();
  } else if (v.is_boolean() || v.is_number()) {
    out = v.dump();
  } else {
    return {};
  }
  *present = !out.empty();
  return out;
}

// FNV-1a's low bits are weak (the lowest one is just the parity of the input
// bytes), so "% 2" picks would be identical for every group sharing a seed.
// The MurmurHash3 finalizer spreads every input bit over the whole word.
uint64_t SpinHash(std::string_view key) {
  uint64_t h = Fnv1a64(key);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

class Renderer {
 public:
  Renderer(const nlohmann::json& variables, const RenderOptions& options)
      : variables_(variables), options_(options) {}

  void Run(std::string_view text, int depth, std::string& out) {
    Variable var;
    std::vector<size_t> match;
    if (depth < kMaxSpinDepth) match = MatchBraces(text);
    for (size_t i = 0; i < text.size();) {
      if (ParseVariableAt(text, i, &var)) {
        EmitVariable(var, out);
        i += var.length;
        continue;
      }
      if (text[i] == '{' && depth < kMaxSpinDepth) {
        size_t close = match[i];
        if (close != std::string_view::npos) {
          std::string_view inner = text.substr(i + 1, close - i - 1);
          auto choices = SplitOptions(inner);
          if (choices.size() < 2) {
            out.push_back('{');
            Run(inner, depth + 1, out);
            out.push_back('}');
          } else {
            Run(choices[Pick(inner, choices.size())], depth + 1, out);
          }
          i = close + 1;
          continue;
        }
      }
      out.push_back(text[i]);
      ++i;
    }
  }

 private:
  void EmitVariable(const Variable& var, std::string& out) {
    bool present = false;
    std::string value = ValueText(variables_, var.name, &present);
    if (!present) {
      // The fallback is template text: the author wrote it for this mode.
      if (var.has_fallback) out.append(var.fallback);
      return;
    }
    out.append(options_.mode == RenderMode::kHtml ? HtmlEscape(value) : value);
  }

  size_t Pick(std::string_view group, size_t count) const {
    std::string key(options_.seed);
    key.push_back('\x1f');  // keeps seed "ab"+"c" apart from "a"+"bc"
    key.append(group);
    return static_cast<size_t>(SpinHash(key) % count);
  }

  const nlohmann::json& variables_;
  const RenderOptions& options_;
};

}  // namespace

std::string Render(std::string_view tmpl, const nlohmann::json& variables,
                   const RenderOptions& options) {
  std::string out;
  out.reserve(tmpl.size());
  Renderer(variables, options).Run(tmpl, 0, out);
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string HeaderSafe(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (size_t i = 0; i < value.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c == '\r' || c == '\n' || c == '\t') {
      pending_space = true;
      continue;
    }
    if (c < 0x20 || c == 0x7f) continue;
    // C1 controls (U+0080..U+009F) are encoded as C2 80..C2 9F in UTF-8.
    if (c == 0xc2 && i + 1 < value.size()) {
      unsigned char next = static_cast<unsigned char>(value[i + 1]);
      if (next >= 0x80 && next <= 0x9f) {
        ++i;
        continue;
      }
    }
    // U+2028 LINE SEPARATOR / U+2029 PARAGRAPH SEPARATOR: E2 80 A8 / E2 80 A9.
    if (c == 0xe2 && i + 2 < value.size() && static_cast<unsigned char>(value[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(value[i + 2]) == 0xa8 ||
         static_cast<unsigned char>(value[i + 2]) == 0xa9)) {
      i += 2;
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty() && out.back() != ' ') out.push_back(' ');
    pending_space = false;
    out.push_back(static_cast<char>(c));
  }
  size_t begin = out.find_first_not_of(' ');
  if (begin == std::string::npos) return {};
  size_t end = out.find_last_not_of(' ');
  return out.substr(begin, end - begin + 1);
}

uint64_t Fnv1a64(std::string_view data) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace postwork::mail
