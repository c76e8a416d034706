#pragma once
// Days as the daily aggregate names them: "YYYY-MM-DD", a day of the UTC
// calendar (each tenant's stats cover that date in its own time zone).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postwork::handlers::analytics {

// Exactly four-digit year, two-digit month and day, a real date from
// 1970-01-01 to 9999-12-31. nullopt otherwise ("2024-02-30", "2024-2-1").
std::optional<std::chrono::sys_days> ParseDay(std::string_view text);
std::string FormatDay(std::chrono::sys_days day);
// The UTC day before the one that contains `epoch_ms`.
std::chrono::sys_days DayBefore(int64_t epoch_ms);
// A cron tick's job id "cron:<name>:<epoch seconds>" -> the tick's time.
std::optional<int64_t> CronTickSeconds(std::string_view job_id);

}  // namespace postwork::handlers::analytics
