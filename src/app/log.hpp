#pragma once
// Structured logging on top of spdlog: human-readable on a TTY, JSON lines with
// --log-format json. Job lines carry worker_id and job_id as fields.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace postwork::log {

enum class Format { kAuto, kText, kJson };
enum class Level { kDebug, kInfo, kWarn, kError };

// Throws ConfigError for an unknown level or format name.
void Setup(std::string_view level, std::string_view format);
Format ParseFormat(std::string_view text);
Level ParseLevel(std::string_view text);

using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

void Write(Level level, std::string_view message, Fields fields = {});
inline void Debug(std::string_view m, Fields f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, Fields f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, Fields f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, Fields f = {}) { Write(Level::kError, m, f); }

// Replaces URL passwords (scheme://user:pass@, password=...) with ***.
std::string MaskSecrets(std::string_view text);

}  // namespace postwork::log
