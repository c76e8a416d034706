#include "handlers/warmup/ramp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "handlers/warmup/seeded_random.hpp"

namespace postwork::handlers::warmup {
namespace {
using std::chrono::sys_days;
using std::chrono::sys_seconds;

// The engagement run follows its inbox check after this long (or at the
// window's end, whichever is first).
constexpr int64_t kEngagementDelayS = 15 * 60;

struct Window {
  int64_t start_s, end_s;  // UTC epoch seconds of the local window on the date
};

// Where the window's moments go: the window itself while it has not begun;
// once it has, what is left of it; when asked, [now, now + spread).
Window Target(const Window& w, int64_t now_s, int spread_s) {
  if (spread_s > 0) return {.start_s = now_s, .end_s = now_s + spread_s};
  return {.start_s = std::max(w.start_s, now_s), .end_s = w.end_s};
}

// A moment of the window moved into the target, keeping the moments' order;
// in milliseconds, since a target of seconds has no room for rounding.
int64_t IntoTargetMs(int64_t moment_s, const Window& w, const Window& target) {
  if (target.start_s == w.start_s && target.end_s == w.end_s) return moment_s * 1000;
  double fraction =
      static_cast<double>(moment_s - w.start_s) / static_cast<double>(w.end_s - w.start_s);
  return target.start_s * 1000 +
         static_cast<int64_t>(fraction * static_cast<double>(target.end_s - target.start_s) * 1000);
}
}  // namespace

int RampVolume(const RampSettings& ramp, sys_days date) {
  int64_t days = (date - ramp.ramp_start).count();
  if (days < 0) return 0;
  int64_t base = ramp.start_volume + static_cast<int64_t>(ramp.daily_increment) * days;
  return static_cast<int>(std::min<int64_t>(base, ramp.max_per_day));
}

int DailyVolume(const RampSettings& ramp, sys_days date, const std::string& account_id) {
  int64_t days = (date - ramp.ramp_start).count();
  if (days < 0) return 0;
  double base =
      ramp.start_volume + static_cast<double>(ramp.daily_increment) * static_cast<double>(days);
  if (ramp.daily_variance_pct > 0) {
    SeededRandom rng("variance:" + account_id + ":" + FormatDate(date));
    double v = (rng.Unit() * 2.0 - 1.0) * ramp.daily_variance_pct / 100.0;
    base *= 1.0 + v;
  }
  double capped = std::clamp(std::round(base), 0.0, static_cast<double>(ramp.max_per_day));
  return static_cast<int>(capped);
}

std::vector<PlannedJob> PlanAccountDay(const DayPlanInput& in) {
  std::vector<PlannedJob> jobs;
  unsigned iso = std::chrono::weekday(in.date).iso_encoding();
  if (!in.window.days[iso - 1] || in.window.start_hour >= in.window.end_hour) return jobs;
  auto local_day = std::chrono::local_days(in.date.time_since_epoch());
  Window w{.start_s = in.zone->ToUtc(local_day + std::chrono::hours(in.window.start_hour))
                          .time_since_epoch()
                          .count(),
           .end_s = in.zone->ToUtc(local_day + std::chrono::hours(in.window.end_hour))
                        .time_since_epoch()
                        .count()};
  int64_t now_s = in.now_ms / 1000;
  if (w.end_s <= w.start_s || now_s >= w.end_s) return jobs;
  const int64_t length = w.end_s - w.start_s;
  const Window target = Target(w, now_s, in.spread_seconds);
  std::string seed = in.account_id + ":" + FormatDate(in.date);

  int volume = DailyVolume(in.ramp, in.date, in.account_id);
  for (int n = 1; n <= volume; ++n) {
    SeededRandom rng("moment:" + seed + ":outbound:" + std::to_string(n));
    int64_t at = w.start_s + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(length)));
    jobs.push_back({.kind = "outbound", .step = n, .run_at_ms = IntoTargetMs(at, w, target)});
  }
  // Inbox checks evenly spaced with some jitter; each one's engagement run after it.
  int checks = std::max(0, in.inbound_checks);
  for (int n = 1; n <= checks; ++n) {
    int64_t spacing = length / (checks + 1);
    SeededRandom rng("moment:" + seed + ":inbound:" + std::to_string(n));
    int64_t jitter =
        spacing > 4
            ? static_cast<int64_t>(rng.Below(static_cast<uint64_t>(spacing / 2))) - spacing / 4
            : 0;
    int64_t check = std::clamp(w.start_s + spacing * n + jitter, w.start_s, w.end_s - 1);
    int64_t engage = std::min(check + kEngagementDelayS, w.end_s - 1);
    int64_t check_ms = IntoTargetMs(check, w, target);
    // Squeezed into seconds, the 15 minutes would shrink below the check's own
    // run time: the engagement run then comes half-way to the next check.
    int64_t engage_ms = in.spread_seconds > 0
                            ? check_ms + int64_t{in.spread_seconds} * 1000 / (2 * (checks + 1))
                            : IntoTargetMs(engage, w, target);
    jobs.push_back({.kind = "inbound", .step = n, .run_at_ms = check_ms});
    jobs.push_back({.kind = "engagement", .step = n, .run_at_ms = engage_ms});
  }
  return jobs;
}

std::chrono::sys_days ParseDate(const std::string& text) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
    throw std::invalid_argument("date must be YYYY-MM-DD: " + text);
  }
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (!ymd.ok()) throw std::invalid_argument("no such date: " + text);
  return std::chrono::sys_days(ymd);
}

std::string FormatDate(std::chrono::sys_days date) {
  std::chrono::year_month_day ymd(date);
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace postwork::handlers::warmup
