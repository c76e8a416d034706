// Config parsing (TOML written by an operator, maybe by a careless one).
// Property: a bad document is a ConfigError naming the problem, never another
// exception or a crash; a document that parses can be validated the same way.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/config.hpp"
#include "postwork/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto config = postwork::app::ParseConfigText(text, "fuzz.toml");
    config.Validate();
  } catch (const postwork::ConfigError&) {
  }
  return 0;
}
