#pragma once
// The warmup ramp and one account's day, as pure functions of the settings,
// the date and the time (unit-tested without a server).
//
//   volume(date) = min(max_per_day, round(base * (1 + v))),
//   base         = start_volume + daily_increment * (date - ramp_start_date)
//   v            = uniform in [-variance, +variance], fixed per (account, date)
//
// A day's jobs fall at random moments of the account's window on that local
// date, fixed per (account, date, kind, n), so planning a day twice picks the
// same moments and the same job ids.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "handlers/email_common/time_zone.hpp"
#include "handlers/email_sending/sending_window.hpp"

namespace postwork::handlers::warmup {

struct RampSettings {
  int start_volume = 5;
  int daily_increment = 2;
  int max_per_day = 40;
  int daily_variance_pct = 0;
  std::chrono::sys_days ramp_start{};
};

// Before the ramp starts: 0. Without variance.
int RampVolume(const RampSettings& ramp, std::chrono::sys_days date);
// With the day's variance for this account, capped at max_per_day.
int DailyVolume(const RampSettings& ramp, std::chrono::sys_days date,
                const std::string& account_id);

struct DayPlanInput {
  std::string account_id;
  RampSettings ramp;
  email::SendingWindow window;  // weekdays and hours, local to `zone`
  const email::TimeZone* zone = nullptr;
  std::chrono::sys_days date{};  // the local calendar date planned
  int inbound_checks = 4;        // each followed by an engagement run
  int64_t now_ms = 0;            // moments already past are moved into what is left
  // > 0: the day's moments, in their order and proportions, fall within
  // [now, now + spread_seconds) instead of the window (the dev demo's warmup,
  // seen in seconds rather than over a day). Still nothing on a day off or
  // after the window closed.
  int spread_seconds = 0;
};

struct PlannedJob {
  std::string kind;  // outbound, inbound, engagement
  int step = 1;      // 1-based within the day and kind
  int64_t run_at_ms = 0;
};

// Empty when the date is not a window day or its window is already over.
std::vector<PlannedJob> PlanAccountDay(const DayPlanInput& in);

// "YYYY-MM-DD"; throws std::invalid_argument for anything else.
std::chrono::sys_days ParseDate(const std::string& text);
std::string FormatDate(std::chrono::sys_days date);

}  // namespace postwork::handlers::warmup
