#pragma once
// IANA time zones from the system tz database (TZif files under
// /usr/share/zoneinfo or $TZDIR). libstdc++ 12 has no std::chrono::tzdb, and
// localtime_r with a process-wide TZ is not thread-safe, so this reads the
// files itself: the 64-bit transition table, then the POSIX TZ rule in the
// footer for instants past the last transition.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace postwork::handlers::email {

// A POSIX TZ rule such as "EST5EDT,M3.2.0,M11.1.0" (offsets east of UTC here,
// unlike the string).
struct PosixTzRule {
  struct When {
    enum class Kind { kMonthWeekDay, kJulianNoLeap, kJulianZero } kind = Kind::kMonthWeekDay;
    int month = 0, week = 0, weekday = 0;  // Mm.w.d
    int day = 0;                           // Jn (1..365) or n (0..365)
    int64_t time_s = 7200;                 // local wall time of the change, default 02:00
  };
  int64_t std_offset_s = 0;
  bool has_dst = false;
  int64_t dst_offset_s = 0;
  When start{}, end{};

  // Throws std::invalid_argument on a malformed rule.
  static PosixTzRule Parse(std::string_view text);
  int64_t OffsetAt(int64_t utc_s) const;
};

class TimeZone {
 public:
  // "UTC", "Europe/Berlin", ... Cached per name; thread-safe. Throws
  // std::invalid_argument for an unknown or malformed name.
  static std::shared_ptr<const TimeZone> Load(const std::string& name);
  // Parses TZif bytes (v1 data only when there is no v2+ block).
  static TimeZone FromTzif(std::string name, std::string_view bytes);
  static TimeZone Fixed(std::string name, int64_t offset_s);

  const std::string& name() const { return name_; }
  // Seconds east of UTC in force at `utc`.
  int64_t OffsetAt(std::chrono::sys_seconds utc) const;
  std::chrono::local_seconds ToLocal(std::chrono::sys_seconds utc) const;
  // The UTC instant of a local wall time. An ambiguous time (clocks going back)
  // maps to its first occurrence; a skipped one (clocks going forward) to the
  // instant the clocks jumped past it, shifted by the gap (02:30 -> 03:30).
  std::chrono::sys_seconds ToUtc(std::chrono::local_seconds local) const;

 private:
  std::string name_;
  std::vector<int64_t> transitions_;  // UTC seconds, ascending
  std::vector<int64_t> offsets_;      // offset in force from transitions_[i]
  int64_t initial_offset_ = 0;        // before the first transition
  bool has_rule_ = false;
  PosixTzRule rule_{};
};

}  // namespace postwork::handlers::email
