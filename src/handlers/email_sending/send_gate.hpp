#pragma once
// The time-based checks before a send, as pure functions of the state and the
// time: the account's daily limit and minimum gap, then the campaign's
// sending window. A "no" carries the next moment worth trying.
#include <cstdint>
#include <optional>
#include <string>

#include "handlers/email_common/time_zone.hpp"
#include "handlers/email_sending/sending_window.hpp"

namespace postwork::handlers::email {

struct GateResult {
  bool allowed = true;
  int64_t run_at_ms = 0;  // when !allowed: try again then
  std::string reason{};

  static GateResult Allow() { return {}; }
};

struct AccountUsage {
  int daily_limit = 0;
  int min_gap_seconds = 0;
  int64_t sent_today = 0;                 // transactions claimed since local midnight
  std::optional<int64_t> last_send_ms{};  // the previous claim, if any
};

// Daily limit first (reset at the next local midnight in `zone`), then the gap.
GateResult CheckAccountLimits(const AccountUsage& usage, const TimeZone& zone, int64_t now_ms);

// A window that never opens is not a reschedule but an error: nullopt.
std::optional<GateResult> CheckSendingWindow(const SendingWindow& window, const TimeZone& zone,
                                             int64_t now_ms);

}  // namespace postwork::handlers::email
