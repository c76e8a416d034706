#include "webhook/retry_after.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <string>

namespace postwork::webhook {
namespace {

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool AllDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool HasLetter(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isalpha(c) != 0; });
}

std::chrono::seconds Clamp(std::chrono::seconds delay) {
  return std::clamp(delay, std::chrono::seconds{0}, kMaxRetryAfter);
}

}  // namespace

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now) {
  value = TrimOws(value);
  if (AllDigits(value)) {
    std::uint64_t seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc::result_out_of_range) return kMaxRetryAfter;
    if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
    if (seconds > static_cast<std::uint64_t>(kMaxRetryAfter.count())) return kMaxRetryAfter;
    return std::chrono::seconds{static_cast<std::int64_t>(seconds)};
  }
  // Every HTTP-date form spells out the month, so requiring a letter keeps
  // curl_getdate's lenient parser from reading things like "-5" as a date.
  if (!HasLetter(value)) return std::nullopt;
  const std::string text(value);
  const std::time_t date = curl_getdate(text.c_str(), nullptr);
  if (date == -1) return std::nullopt;
  const auto now_seconds = std::chrono::floor<std::chrono::seconds>(now).time_since_epoch();
  return Clamp(std::chrono::seconds{static_cast<std::int64_t>(date)} - now_seconds);
}

}  // namespace postwork::webhook
