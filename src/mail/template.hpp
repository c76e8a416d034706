#pragma once
// Personalization of subjects and bodies.
//
//   {{first_name}}          the variable, empty when missing
//   {{first_name|there}}    the fallback when the variable is missing or empty
//   {Hi|Hello|Hey}          spintax: one option, nesting allowed ({a|{b|c}})
//
// Spintax choices are a pure function of the seed (e.g. the lead id) and the
// group's own text, so a lead sees the same variant on every render and editing
// one group does not reshuffle the others. A brace group without a top-level
// '|' (CSS in an HTML body, "{not spintax}") and unbalanced braces are kept
// literally; rendering never throws on template text.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace postwork::mail {

enum class RenderMode {
  kText,  // values inserted as they are
  kHtml,  // values HTML-escaped; the template's own markup and fallbacks untouched
};

struct RenderOptions {
  RenderMode mode = RenderMode::kText;
  std::string_view seed{};  // picks spintax variants; same seed, same output
};

// `variables` is a flat JSON object (lead fields merged with custom fields).
// Strings are used as is, numbers and booleans in their JSON spelling; null,
// arrays and objects count as missing. A non-object counts as no variables.
std::string Render(std::string_view tmpl, const nlohmann::json& variables,
                   const RenderOptions& options = {});

// Escapes & < > " ' for HTML text and attribute values.
std::string HtmlEscape(std::string_view text);

// Makes a value safe to put in a header: CR, LF and TAB runs become one space,
// other C0/C1 control characters and U+2028/U+2029 are dropped, and the result
// is trimmed. A header built from it can never be split into two.
std::string HeaderSafe(std::string_view value);

// 64-bit FNV-1a: stable across platforms, builds and runs (std::hash is not).
// Spintax picks use it followed by the MurmurHash3 64-bit finalizer.
uint64_t Fnv1a64(std::string_view data);

}  // namespace postwork::mail
