#include "handlers/analytics/analytics_date.hpp"

#include <charconv>
#include <cstdio>

namespace postwork::handlers::analytics {
namespace {
std::optional<int> Digits(std::string_view text) {
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}
}  // namespace

std::optional<std::chrono::sys_days> ParseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto y = Digits(text.substr(0, 4)), m = Digits(text.substr(5, 2)), d = Digits(text.substr(8, 2));
  if (!y || !m || !d || *y < 1970) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(*y), std::chrono::month(static_cast<unsigned>(*m)),
                                  std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd);
}

std::string FormatDay(std::chrono::sys_days day) {
  std::chrono::year_month_day ymd(day);
  char out[16];
  std::snprintf(out, sizeof(out), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return out;
}

std::chrono::sys_days DayBefore(int64_t epoch_ms) {
  auto t = std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(epoch_ms));
  return std::chrono::floor<std::chrono::days>(t) - std::chrono::days(1);
}

std::optional<int64_t> CronTickSeconds(std::string_view job_id) {
  if (job_id.rfind("cron:", 0) != 0) return std::nullopt;
  size_t colon = job_id.rfind(':');
  if (colon <= 4) return std::nullopt;
  std::string_view digits = job_id.substr(colon + 1);
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return seconds;
}

}  // namespace postwork::handlers::analytics
