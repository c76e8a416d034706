#include "handlers/email_sending/sending_window.hpp"

namespace postwork::handlers::email {
namespace {
using namespace std::chrono;

// ISO index of a local day: Monday 0 ... Sunday 6.
size_t IsoIndex(local_days d) { return (weekday{d}.iso_encoding() - 1); }

bool Valid(const SendingWindow& w) {
  bool any = false;
  for (bool d : w.days) any = any || d;
  return any && w.start_hour >= 0 && w.end_hour <= 24 && w.start_hour < w.end_hour;
}
}  // namespace

SendingWindow SendingWindow::FromIsoDays(const std::vector<int>& iso_days, int start_hour,
                                         int end_hour) {
  SendingWindow w{.start_hour = start_hour, .end_hour = end_hour};
  for (int d : iso_days) {
    if (d >= 1 && d <= 7) w.days[static_cast<size_t>(d - 1)] = true;
  }
  return w;
}

bool IsOpen(const SendingWindow& window, const TimeZone& zone, sys_seconds now) {
  if (!Valid(window)) return false;
  local_seconds local = zone.ToLocal(now);
  local_days day = floor<days>(local);
  auto hour = duration_cast<hours>(local - day).count();
  return window.days[IsoIndex(day)] && hour >= window.start_hour && hour < window.end_hour;
}

std::optional<sys_seconds> NextOpening(const SendingWindow& window, const TimeZone& zone,
                                       sys_seconds now) {
  if (!Valid(window)) return std::nullopt;
  if (IsOpen(window, zone, now)) return now;
  local_days today = floor<days>(zone.ToLocal(now));
  // Eight days always reach an allowed weekday, including today's later start.
  for (int i = 0; i <= 8; ++i) {
    local_days day = today + days{i};
    if (!window.days[IsoIndex(day)]) continue;
    sys_seconds opening = zone.ToUtc(local_seconds{day} + hours{window.start_hour});
    if (opening > now) return opening;
  }
  return std::nullopt;
}

sys_seconds StartOfLocalDay(const TimeZone& zone, sys_seconds now) {
  return zone.ToUtc(local_seconds{floor<days>(zone.ToLocal(now))});
}

sys_seconds StartOfNextLocalDay(const TimeZone& zone, sys_seconds now) {
  return zone.ToUtc(local_seconds{floor<days>(zone.ToLocal(now)) + days{1}});
}

}  // namespace postwork::handlers::email
