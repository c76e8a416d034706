#include "app/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>

#include "postwork/error.hpp"

namespace postwork::log {
namespace {
std::atomic<bool> g_json{false};
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

spdlog::level::level_enum ToSpd(Level l) {
  switch (l) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

const char* Name(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::string IsoNow() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = ms / 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}
}  // namespace

Format ParseFormat(std::string_view text) {
  if (text == "auto") return Format::kAuto;
  if (text == "text") return Format::kText;
  if (text == "json") return Format::kJson;
  throw ConfigError("invalid log format '" + std::string(text) + "' (use auto, text or json)");
}

Level ParseLevel(std::string_view text) {
  if (text == "debug" || text == "trace") return Level::kDebug;
  if (text == "info") return Level::kInfo;
  if (text == "warn" || text == "warning") return Level::kWarn;
  if (text == "error") return Level::kError;
  throw ConfigError("invalid log level '" + std::string(text) +
                    "' (use debug, info, warn or error)");
}

void Setup(std::string_view level, std::string_view format) {
  Level l = ParseLevel(level);
  Format f = ParseFormat(format);
  bool json = f == Format::kJson || (f == Format::kAuto && !::isatty(STDERR_FILENO));
  g_json = json;
  g_level = static_cast<int>(l);
  spdlog::drop("postwork");
  auto logger = spdlog::stderr_color_mt("postwork");
  logger->set_pattern(json ? "%v" : "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  logger->set_level(ToSpd(l));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

namespace {
// MaskSecrets is a hand-written scan, not std::regex: libstdc++'s regex
// matcher recurses once per character, so a long log line (an error carrying a
// response body) overflowed the stack, and it retried every start position
// (quadratic time). Same rules as the regexes it replaced, except that the
// password of scheme://user:pass@ runs to the last '@' before whitespace, as
// redis::ParseRedisUrl reads it, so a password containing '@' is hidden whole.
bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsSchemeChar(char c) {
  return IsLower(c) || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-';
}

// scheme://user:password@  ->  scheme://user:***@
std::string MaskUserinfo(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;  // text[0, copied) is in `out`; no match may start before it
  size_t token_end = 0, token_last_at = std::string_view::npos;
  for (size_t sep = text.find("://"); sep != std::string_view::npos;
       sep = text.find("://", sep + 1)) {
    if (sep < copied) continue;
    bool has_scheme = false;  // a lower-case letter starts the scheme
    for (size_t i = sep; i > copied && IsSchemeChar(text[i - 1]); --i) {
      has_scheme = has_scheme || IsLower(text[i - 1]);
    }
    if (!has_scheme) continue;
    size_t colon = text.find_first_of(":/@", sep + 3);
    if (colon == std::string_view::npos || text[colon] != ':') continue;
    bool user_has_space = false;
    for (size_t i = sep + 3; i < colon; ++i) user_has_space = user_has_space || IsSpace(text[i]);
    if (user_has_space) continue;
    if (colon >= token_end) {  // each whitespace-free token is scanned once: linear time
      token_end = colon;
      while (token_end < text.size() && !IsSpace(text[token_end])) ++token_end;
      token_last_at = text.substr(0, token_end).rfind('@');
    }
    size_t at = token_last_at;
    if (at == std::string_view::npos || at <= colon) continue;
    out.append(text.substr(copied, colon + 1 - copied));
    out.append("***@");
    copied = at + 1;
    sep = at;
  }
  out.append(text.substr(copied));
  return out;
}

// password=... passwd=... secret=... token=... (any case)  ->  key=***
std::string MaskParams(std::string_view text) {
  static constexpr std::string_view kKeys[] = {"password", "passwd", "secret", "token"};
  auto key_at = [&](size_t i) -> size_t {
    for (std::string_view key : kKeys) {
      if (text.size() - i <= key.size() || text[i + key.size()] != '=') continue;
      bool same = true;
      for (size_t k = 0; k < key.size() && same; ++k) {
        same = std::tolower(static_cast<unsigned char>(text[i + k])) == key[k];
      }
      if (same) return key.size();
    }
    return 0;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (size_t n = key_at(i); n > 0) {
      out.append(text.substr(i, n + 1));
      out.append("***");
      i += n + 1;
      while (i < text.size() && text[i] != '&' && !IsSpace(text[i])) ++i;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}
}  // namespace

std::string MaskSecrets(std::string_view text) { return MaskParams(MaskUserinfo(text)); }

void Write(Level level, std::string_view message, Fields fields) {
  if (static_cast<int>(level) < g_level.load()) return;
  std::string masked = MaskSecrets(message);
  std::string line;
  if (g_json) {
    nlohmann::json j = {{"ts", IsoNow()}, {"level", Name(level)}, {"msg", masked}};
    for (const auto& [k, v] : fields) j[std::string(k)] = MaskSecrets(v);
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = masked;
    for (const auto& [k, v] : fields) {
      line += ' ';
      line += k;
      line += '=';
      line += MaskSecrets(v);
    }
  }
  spdlog::log(ToSpd(level), "{}", line);
}

}  // namespace postwork::log
