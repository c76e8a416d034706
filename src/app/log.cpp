#include "app/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>

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

std::string MaskSecrets(std::string_view text) {
  static const std::regex kUserinfo(R"(([a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@)");
  static const std::regex kParam(R"((password|passwd|secret|token)=[^&\s]*)",
                                 std::regex::icase);
  std::string out = std::regex_replace(std::string(text), kUserinfo, "$1:***@");
  return std::regex_replace(out, kParam, "$1=***");
}

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
