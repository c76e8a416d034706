// URL parsing and secret masking: the Redis URL from config or environment, and
// every log line (MaskSecrets runs on all of them). Properties: a bad URL is a
// ConfigError; masking never throws; MaskUrl hides exactly the password the
// parser reads, and MaskSecrets hides it in a log line.
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
    // MaskUrl replaces exactly the password the parser read (the text between
    // the userinfo's ':' and the last '@', or the whole userinfo without ':').
    if (auto at = text.rfind('@'); at != std::string::npos) {
      std::string expected = text.substr(0, at - url.password.size()) + "***" + text.substr(at);
      if (url.user.empty() && text.find(':', 8) > at) expected = "redis://***" + text.substr(at);
      FUZZ_CHECK(masked == expected);
    }
    // In free text, MaskSecrets finds user:password@ when the user name has no
    // ':', '/' or '@' and the URL no whitespace. A password seen once in the
    // input and without '*' can then only reappear if it was not masked.
    bool plain = !url.user.empty() && url.user.find_first_of(":/@") == std::string::npos &&
                 text.find_first_of(" \t\n\v\f\r") == std::string::npos;
    bool findable = url.password.size() >= 4 && url.password.find('*') == std::string::npos &&
                    text.find(url.password) == text.rfind(url.password);
    if (plain && findable) FUZZ_CHECK(log_line.find(url.password) == std::string::npos);
  } catch (const postwork::ConfigError&) {
  }
  return 0;
}
