#pragma once
// A campaign's sending window: which weekdays and hours, in its time zone.
// Pure logic (the caller passes the time), unit-tested without a server.
#include <array>
#include <chrono>
#include <optional>
#include <vector>

#include "handlers/email_common/time_zone.hpp"

namespace postwork::handlers::email {

struct SendingWindow {
  std::array<bool, 7> days{};  // [0] = Monday ... [6] = Sunday (ISO order)
  int start_hour = 9;          // first hour sending is allowed, 0..23
  int end_hour = 17;           // sending stops at this hour, 1..24 (exclusive)

  // From ISO weekday numbers (1 = Monday ... 7 = Sunday); others are ignored.
  static SendingWindow FromIsoDays(const std::vector<int>& iso_days, int start_hour, int end_hour);
};

// True when `now` falls inside the window in `zone`.
bool IsOpen(const SendingWindow& window, const TimeZone& zone, std::chrono::sys_seconds now);

// `now` when the window is open, else the next instant it opens. nullopt when
// it never opens (no days, or start_hour >= end_hour).
std::optional<std::chrono::sys_seconds> NextOpening(const SendingWindow& window,
                                                    const TimeZone& zone,
                                                    std::chrono::sys_seconds now);

// The most recent local midnight in `zone` at or before `now` (the start of
// "today" for a daily limit), and the next one.
std::chrono::sys_seconds StartOfLocalDay(const TimeZone& zone, std::chrono::sys_seconds now);
std::chrono::sys_seconds StartOfNextLocalDay(const TimeZone& zone, std::chrono::sys_seconds now);

}  // namespace postwork::handlers::email
