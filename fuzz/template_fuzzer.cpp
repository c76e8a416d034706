// Template rendering (subjects and bodies written by tenants). Input: line 1 the
// variables as a JSON object (anything else means no variables), line 2 the
// spintax seed, the rest the template. Properties: never throws on template
// text; same seed, same output; HeaderSafe output never holds CR or LF.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "mail/template.hpp"

namespace {
std::string_view TakeLine(std::string_view& rest) {
  auto nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using postwork::mail::RenderMode;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  auto variables = nlohmann::json::parse(TakeLine(rest), nullptr, /*allow_exceptions=*/false);
  std::string_view seed = TakeLine(rest);
  std::string_view tmpl = rest;

  std::string text =
      postwork::mail::Render(tmpl, variables, {.mode = RenderMode::kText, .seed = seed});
  std::string again =
      postwork::mail::Render(tmpl, variables, {.mode = RenderMode::kText, .seed = seed});
  FUZZ_CHECK(text == again);
  (void)postwork::mail::Render(tmpl, variables, {.mode = RenderMode::kHtml, .seed = seed});

  std::string header = postwork::mail::HeaderSafe(text);
  FUZZ_CHECK(header.find_first_of("\r\n") == std::string::npos);
  std::string escaped = postwork::mail::HtmlEscape(tmpl);
  FUZZ_CHECK(escaped.find_first_of("<>\"'") == std::string::npos);
  return 0;
}
