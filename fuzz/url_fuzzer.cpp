// URL parsing and secret masking: the Redis URL from config or environment, and
// every log line (MaskSecrets runs on all of them). Properties: a bad URL is a
// ConfigError that never echoes the password; masking never throws; a parsed
// URL keeps its password out of MaskUrl's output.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/log.hpp"
#include "fuzz_check.hpp"
#include "postwork/error.hpp"
#include "redis/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string masked = postwork::redis::MaskUrl(text);
  std::string log_line = postwork::log::MaskSecrets("> " + text + " <");
  try {
    auto url = postwork::redis::ParseRedisUrl(text);
    FUZZ_CHECK(url.port >= 1 && url.port <= 65535);
    FUZZ_CHECK(!url.host.empty());
    // Only a password that is not also part of the rest of the URL can be
    // looked for in the masked text.
    if (url.password.size() >= 4 && text.find(url.password) == text.rfind(url.password)) {
      FUZZ_CHECK(masked.find(url.password) == std::string::npos);
      // MaskSecrets finds user:password@ in free text: a user name without
      // ':', '/' or '@' and no whitespace in the URL.
      bool plain = !url.user.empty() && url.user.find_first_of(":/@") == std::string::npos &&
                   text.find_first_of(" \t\n\v\f\r") == std::string::npos;
      if (plain) FUZZ_CHECK(log_line.find(url.password) == std::string::npos);
    }
  } catch (const postwork::ConfigError&) {
  }
  return 0;
}
