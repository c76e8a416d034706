#include "handlers/email_sending/send_gate.hpp"

namespace postwork::handlers::email {
namespace {
using namespace std::chrono;

sys_seconds ToSeconds(int64_t ms) { return sys_seconds{floor<seconds>(milliseconds{ms})}; }
int64_t ToMs(sys_seconds s) { return duration_cast<milliseconds>(s.time_since_epoch()).count(); }
}  // namespace

GateResult CheckAccountLimits(const AccountUsage& usage, const TimeZone& zone, int64_t now_ms) {
  if (usage.sent_today >= usage.daily_limit) {
    return {.allowed = false,
            .run_at_ms = ToMs(StartOfNextLocalDay(zone, ToSeconds(now_ms))),
            .reason = "account daily limit reached (" + std::to_string(usage.daily_limit) +
                      " per day in " + zone.name() + ")"};
  }
  if (usage.last_send_ms && usage.min_gap_seconds > 0) {
    int64_t next = *usage.last_send_ms + int64_t{usage.min_gap_seconds} * 1000;
    if (next > now_ms) {
      return {.allowed = false,
              .run_at_ms = next,
              .reason = "account minimum gap of " + std::to_string(usage.min_gap_seconds) +
                        " s between sends"};
    }
  }
  return GateResult::Allow();
}

std::optional<GateResult> CheckSendingWindow(const SendingWindow& window, const TimeZone& zone,
                                             int64_t now_ms) {
  sys_seconds now = ToSeconds(now_ms);
  auto opening = NextOpening(window, zone, now);
  if (!opening) return std::nullopt;
  if (*opening == now) return GateResult::Allow();
  return GateResult{.allowed = false,
                    .run_at_ms = ToMs(*opening),
                    .reason = "outside the campaign's sending window (" + zone.name() + ")"};
}

}  // namespace postwork::handlers::email
